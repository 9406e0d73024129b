/**
 * Another user's profile "…" menu: report them, block them or unblock them, each confirmed in a
 * dialog that says what it does. Once blocked, the profile says so.
 */
import { useState } from 'preact/hooks';
import { blockUser, unblockUser } from '@quick-photos/client';
import { ConfirmDialog, ReportDialog } from '../dialogs/index.js';
import { OverflowMenu } from '../dialogs/menu.js';
import { api } from '../session.js';
import { useAction } from '../ui.js';

export function ProfileMenu({ username, blocking, onChange }: { username: string; blocking: boolean; onChange: (blocked: boolean) => void }) {
  const [blocked, setBlocked] = useState(blocking);
  const [open, setOpen] = useState<'block' | 'unblock' | 'report'>();
  const { busy, error, setError, act } = useAction();
  const close = () => {
    setOpen(undefined);
    setError(undefined);
  };

  async function run(block: boolean) {
    await act(async () => {
    if (block) await blockUser({ client: api, path: { username }, throwOnError: true });
    else await unblockUser({ client: api, path: { username }, throwOnError: true });
    setBlocked(block);
    close();
    onChange(block);
    });
  }

  return (
    <>
      <OverflowMenu
        label={`Actions for @${username}`}
        items={[
          { label: 'Report', onSelect: () => setOpen('report') },
          blocked ? { label: 'Unblock', onSelect: () => setOpen('unblock') } : { label: 'Block', onSelect: () => setOpen('block'), danger: true },
        ]}
      />
      {blocked ? (
        <p role="status" class="muted">
          You blocked @{username}.
        </p>
      ) : null}
      {open === 'block' ? (
        <ConfirmDialog
          title={`Block @${username}?`}
          description={`@${username} will no longer find your profile or photos, and follows between you both end. They are not told you blocked them. You can unblock them later in Settings or here.`}
          confirm={`Block @${username}`}
          danger
          busy={busy}
          error={error}
          onConfirm={() => run(true)}
          onClose={close}
        />
      ) : null}
      {open === 'unblock' ? (
        <ConfirmDialog
          title={`Unblock @${username}?`}
          description={`@${username} will be able to see your profile and photos again (if your account is public) and follow you. Earlier follows do not come back.`}
          confirm={`Unblock @${username}`}
          busy={busy}
          error={error}
          onConfirm={() => run(false)}
          onClose={close}
        />
      ) : null}
      {open === 'report' ? <ReportDialog target={{ kind: 'user', username }} onClose={close} /> : null}
    </>
  );
}

/**
 * What the frame's notices banner says once a takedown notice arrived: its own chunk, fetched
 * only then, so the first screen's JavaScript does not carry it (test/web/journey.test.ts).
 */
import { ShieldAlert } from 'lucide-preact';

export function NoticesBannerText({ count }: { count: number }) {
  return (
    <>
      <ShieldAlert size={18} aria-hidden="true" />
      <span>{count === 1 ? 'A moderator took down something you posted.' : `A moderator took down ${count} things you posted.`}</span>
      <a href="/notices">See why</a>
    </>
  );
}

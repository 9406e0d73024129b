/** An empty list says what would be here and offers the next step (a link), never just "nothing". */
import type { ComponentChildren } from 'preact';
import type { LucideIcon } from 'lucide-preact';

export function Empty(props: { icon: LucideIcon; title: string; children?: ComponentChildren; action?: { href: string; label: string } | undefined }) {
  const Icon = props.icon;
  return (
    <div class="empty">
      <Icon size={40} strokeWidth={1.5} aria-hidden="true" />
      <p class="empty-title">{props.title}</p>
      {props.children ? <p class="muted">{props.children}</p> : null}
      {props.action ? (
        <a class="button primary" href={props.action.href}>
          {props.action.label}
        </a>
      ) : null}
    </div>
  );
}

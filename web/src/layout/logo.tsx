/**
 * The mark: a lens whose stem makes it a "q", with a flash dot, on a warm-to-cool gradient
 * (web/public/icon.svg is the same drawing for the browser and the home screen).
 */
import { useId } from 'preact/hooks';

export function Logo({ size = 32 }: { size?: number }) {
  // Two logos may be in the page (top bar and side navigation): each needs its own gradient id.
  const id = `qp-logo-${useId()}`;
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 48 48" aria-hidden="true" focusable="false">
      <defs>
        <linearGradient id={id} x1="0" y1="1" x2="1" y2="0">
          <stop offset="0" stop-color="#f59e0b" />
          <stop offset="0.5" stop-color="#e11d48" />
          <stop offset="1" stop-color="#6d28d9" />
        </linearGradient>
      </defs>
      <rect width="48" height="48" rx="13" fill={`url(#${id})`} />
      <circle cx="21" cy="23" r="9.5" fill="none" stroke="#fff" stroke-width="4.5" />
      <path d="M30.5 23v15" stroke="#fff" stroke-width="4.5" stroke-linecap="round" />
      <circle cx="37" cy="11" r="2.75" fill="#fff" />
    </svg>
  );
}

/** The logo and the name, linking home. */
export function Brand({ class: className = '' }: { class?: string }) {
  return (
    <a class={`brand ${className}`} href="/" aria-label="quick-photos">
      <Logo size={32} />
      <span class="wordmark" aria-hidden="true">
        quick-photos
      </span>
    </a>
  );
}

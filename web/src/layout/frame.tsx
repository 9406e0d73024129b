/**
 * The app's frame around every signed-in screen. Phones (< 1024 px): a top bar with the logo
 * and a bottom navigation of icons, photos edge to edge. Desktops: a side navigation with the
 * logo and labelled icons, the screen beside it. One navigation in the page either way, laid
 * out by the stylesheet (its labels stay in the accessibility tree on phones as visually
 * hidden text), a banner while the browser is offline, and one when a takedown notice arrives.
 */
import type { ComponentChildren, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { CircleUser, Compass, CloudOff, Heart, House, Search, SquarePlus, type LucideIcon } from 'lucide-preact';
import { Brand } from './logo.js';
import { connectEvents, newNotices, unread } from './unread.js';

/** Where the desktop layout starts (styles.css uses the same width). */
export const DESKTOP_QUERY = '(min-width: 1024px)';

/** Whether a media query matches now, following changes (a window resized, a phone turned). */
export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const change = () => setMatches(list.matches);
    change();
    list.addEventListener('change', change);
    return () => list.removeEventListener('change', change);
  }, [query]);
  return matches;
}

/** Whether the browser says it is online, following its online/offline events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const change = () => setOnline(navigator.onLine);
    window.addEventListener('online', change);
    window.addEventListener('offline', change);
    return () => {
      window.removeEventListener('online', change);
      window.removeEventListener('offline', change);
    };
  }, []);
  return online;
}

function OfflineBanner() {
  const online = useOnline();
  // Always in the page (empty while online) so that screen readers announce the change.
  return (
    <div class={online ? 'offline-banner' : 'offline-banner shown'} role="status">
      {online ? null : (
        <>
          <CloudOff size={18} aria-hidden="true" />
          <span>You’re offline. What is on screen stays; new things load when the connection is back.</span>
        </>
      )}
    </div>
  );
}

/** A moderator took something of mine down while I was here: say so at once, link to why. */
function NoticesBanner() {
  const { path } = useLocation();
  const count = path === '/notices' ? 0 : newNotices.value;
  const [Text, setText] = useState<FunctionComponent<{ count: number }>>();
  useEffect(() => {
    if (count > 0 && !Text) void import('./notices-banner.js').then((m) => setText(() => m.NoticesBannerText), () => undefined);
  }, [count, Text]);
  // Always in the page (empty, and hidden by the stylesheet, until a notice) so that screen readers announce it.
  return (
    <div class="notices-banner" role="status">
      {count > 0 && Text ? <Text count={count} /> : null}
    </div>
  );
}

function NavLink({ href, label, icon: Icon, extra, current }: { href: string; label: string; icon: LucideIcon; extra?: string | undefined; current: boolean }) {
  const count = unread.value;
  return (
    <a href={href} class="nav-link" aria-current={current ? 'page' : undefined} aria-label={extra ? `${label}, ${extra}` : undefined}>
      <span class="nav-icon">
        <Icon size={26} strokeWidth={current ? 2.5 : 1.75} aria-hidden="true" />
        {/* The count is drawn by CSS: as text it would stand first in the link's visible label ("3 Activity"), which its name must contain in order (WCAG 2.5.3). */}
        {extra ? <span class="count" aria-hidden="true" data-count={count > 99 ? '99+' : String(count)} /> : null}
      </span>
      <span class="label">{label}</span>
    </a>
  );
}

function Nav({ username }: { username: string }) {
  const { path } = useLocation();
  // The badge follows the event stream (no polling); the activity screen clears it when it marks everything read.
  useEffect(() => connectEvents(), [username]);
  const count = unread.value;
  const profile = `/u/${username}`;
  return (
    <nav class="nav" aria-label="Main">
      <Brand class="nav-brand" />
      <NavLink href="/" label="Home" icon={House} current={path === '/'} />
      <NavLink href="/search" label="Search" icon={Search} current={path === '/search'} />
      <NavLink href="/explore" label="Explore" icon={Compass} current={path === '/explore'} />
      <NavLink href="/upload" label="New photo" icon={SquarePlus} current={path === '/upload'} />
      <NavLink href="/activity" label="Activity" icon={Heart} current={path === '/activity'} extra={count > 0 ? `${count} unread` : undefined} />
      <NavLink href={profile} label="Profile" icon={CircleUser} current={path === profile} />
    </nav>
  );
}

/** The signed-in frame: skip link, offline banner, top bar (phones), navigation, then the screen. */
export function Frame({ username, children }: { username: string; children: ComponentChildren }) {
  return (
    <div class="shell">
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <Brand />
      </header>
      <OfflineBanner />
      <NoticesBanner />
      <Nav username={username} />
      <div class="page">{children}</div>
    </div>
  );
}

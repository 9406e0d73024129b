/** The web client: Preact screens over the API's generated client. */
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Activity, refreshUnread, unread } from './screens/activity.js';
import { LogIn, SignUp } from './screens/auth.js';
import { Explore } from './screens/explore.js';
import { Feed } from './screens/feed.js';
import { ForgotPassword, ResetPassword } from './dialogs/index.js';
import { Followers, Following } from './screens/people.js';
import { PhotoDetail } from './screens/photo.js';
import { Profile } from './screens/profile.js';
import { Search } from './screens/search.js';
import { Settings } from './screens/settings.js';
import { Upload } from './screens/upload.js';
import { currentUser } from './session.js';
import './styles.css';

const UNREAD_POLL_MS = 60_000;
const UNREAD_MIN_GAP_MS = 5_000;

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to, route]);
  return null;
}

function Nav({ username }: { username: string }) {
  const { path } = useLocation();
  const startPath = useRef(path);
  // The badge: read at start, on a slow poll while the app stays open, and when it comes back into
  // view (not on each navigation). The activity screen sets it itself when it marks everything read.
  useEffect(() => {
    let last = 0;
    const refresh = () => {
      // focus and visibilitychange come together when a tab comes back: one request.
      if (document.visibilityState !== 'visible' || Date.now() - last < UNREAD_MIN_GAP_MS) return;
      last = Date.now();
      void refreshUnread().catch(() => undefined);
    };
    if (startPath.current !== '/activity') refresh();
    const timer = setInterval(refresh, UNREAD_POLL_MS);
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', refresh);
    };
  }, [username]);
  const count = unread.value;
  const link = (href: string, label: string, extra?: string) => (
    <a href={href} aria-current={path === href ? 'page' : undefined} aria-label={extra ? `${label}, ${extra}` : undefined}>
      {label}
      {extra ? (
        <span class="count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      ) : null}
    </a>
  );
  return (
    <nav class="nav" aria-label="Main">
      {link('/', 'Home')}
      {link('/search', 'Search')}
      {link('/explore', 'Explore')}
      {link('/upload', 'New photo')}
      {link('/activity', 'Activity', count > 0 ? `${count} unread` : undefined)}
      {link(`/u/${username}`, 'Profile')}
    </nav>
  );
}

function NotFound() {
  return (
    <main class="screen">
      <h1>Not found</h1>
      <p>
        <a href="/">Back home</a>
      </p>
    </main>
  );
}

function App() {
  const username = currentUser.value;
  if (!username) {
    return (
      <Router>
        <Route path="/signup" component={SignUp} />
        <Route path="/forgot-password" component={ForgotPassword} />
        <Route path="/reset-password" component={ResetPassword} />
        <Route default component={LogIn} />
      </Router>
    );
  }
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <Router>
        <Route path="/" component={Feed} />
        <Route path="/login" component={() => <Redirect to="/" />} />
        <Route path="/signup" component={() => <Redirect to="/" />} />
        <Route path="/search" component={Search} />
        <Route path="/explore" component={Explore} />
        <Route path="/activity" component={Activity} />
        <Route path="/u/:username" component={Profile} />
        <Route path="/u/:username/followers" component={Followers} />
        <Route path="/u/:username/following" component={Following} />
        <Route path="/p/:photoId" component={PhotoDetail} />
        <Route path="/upload" component={Upload} />
        <Route path="/settings" component={Settings} />
        <Route default component={NotFound} />
      </Router>
      <Nav username={username} />
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  render(
    <LocationProvider>
      <App />
    </LocationProvider>,
    root,
  );
}

if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => undefined));
}

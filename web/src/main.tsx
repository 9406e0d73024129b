/**
 * The web client: Preact screens over the API's generated client, inside the app's frame
 * (layout/frame.tsx). Each screen is its own chunk: the first screen loads only the frame and
 * itself, the others follow in the background once it is up.
 */
import { render, type FunctionComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Frame } from './layout/frame.js';
import { currentUser } from './session.js';
import './styles.css';
import './layout/layout.css';

type Screen<P> = FunctionComponent<P> & { preload: () => Promise<unknown> };
const screens: Screen<never>[] = [];

/**
 * Once the first screen's code has arrived and the browser is idle, the other screens are
 * fetched in the background: later navigation waits for nothing, and works offline. The mark
 * tells the budget where the first screen's share ends; `data-warmed` on <html> says every
 * screen is in (a state, read by tests, which a page's faked clock cannot hide as it hides
 * performance marks).
 */
let warming = false;
function warm(): void {
  if (warming) return;
  warming = true;
  const later = 'requestIdleCallback' in window ? (run: () => void) => requestIdleCallback(run) : (run: () => void) => setTimeout(run, 1);
  later(() => {
    performance.mark('quick-photos:warm');
    void Promise.allSettled(screens.map((s) => s.preload())).then(() => {
      document.documentElement.dataset.warmed = '';
    });
  });
}

/**
 * A route's screen, fetched when first opened (or warmed). A fetch that fails (offline, or a
 * newer build replaced the chunk) shows ScreenFailed rather than nothing; its Reload asks again.
 */
function screen<P>(load: () => Promise<FunctionComponent<P>>): Screen<P> {
  const failed: FunctionComponent<P> = () => <ScreenFailed />;
  const component = lazy(() =>
    load().then(
      (loaded) => {
        warm();
        return loaded;
      },
      () => failed,
    ),
  );
  screens.push(component);
  return component;
}

const Activity = screen(() => import('./screens/activity.js').then((m) => m.Activity));
const LogIn = screen(() => import('./screens/auth.js').then((m) => m.LogIn));
const SignUp = screen(() => import('./screens/auth.js').then((m) => m.SignUp));
const Explore = screen(() => import('./screens/explore.js').then((m) => m.Explore));
const Feed = screen(() => import('./screens/feed.js').then((m) => m.Feed));
const ForgotPassword = screen(() => import('./screens/password-reset.js').then((m) => m.ForgotPassword));
const ResetPassword = screen(() => import('./screens/password-reset.js').then((m) => m.ResetPassword));
const Followers = screen(() => import('./screens/people.js').then((m) => m.Followers));
const Following = screen(() => import('./screens/people.js').then((m) => m.Following));
const Notices = screen(() => import('./screens/notices.js').then((m) => m.Notices));
const PhotoDetail = screen(() => import('./screens/photo.js').then((m) => m.PhotoDetail));
const Profile = screen(() => import('./screens/profile.js').then((m) => m.Profile));
const Search = screen(() => import('./screens/search.js').then((m) => m.Search));
const TagPhotos = screen(() => import('./screens/tag.js').then((m) => m.TagPhotos));
const Settings = screen(() => import('./screens/settings.js').then((m) => m.Settings));
const Upload = screen(() => import('./screens/upload.js').then((m) => m.Upload));

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to, route]);
  return null;
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

/** A screen's code could not be fetched (offline, or a build replaced since): say so, offer a reload. */
function ScreenFailed() {
  return (
    <main id="content" class="screen">
      <h1>This screen didn’t load</h1>
      <p class="muted">Check your connection, then try again.</p>
      <p>
        <button type="button" class="primary" onClick={() => location.reload()}>
          Reload
        </button>
      </p>
    </main>
  );
}

function App() {
  const username = currentUser.value;
  if (!username) {
    return (
      <ErrorBoundary>
        <Router>
          <Route path="/signup" component={SignUp} />
          <Route path="/forgot-password" component={ForgotPassword} />
          <Route path="/reset-password" component={ResetPassword} />
          <Route default component={LogIn} />
        </Router>
      </ErrorBoundary>
    );
  }
  return (
    <Frame username={username}>
      <Screens />
    </Frame>
  );
}

function Screens() {
  return (
    <ErrorBoundary>
      <Router>
        <Route path="/" component={Feed} />
        <Route path="/login" component={() => <Redirect to="/" />} />
        <Route path="/signup" component={() => <Redirect to="/" />} />
        <Route path="/search" component={Search} />
        <Route path="/explore" component={Explore} />
        <Route path="/activity" component={Activity} />
        <Route path="/notices" component={Notices} />
        <Route path="/u/:username" component={Profile} />
        <Route path="/u/:username/followers" component={Followers} />
        <Route path="/u/:username/following" component={Following} />
        <Route path="/p/:photoId" component={PhotoDetail} />
        <Route path="/t/:tag" component={TagPhotos} />
        <Route path="/upload" component={Upload} />
        <Route path="/settings" component={Settings} />
        <Route default component={NotFound} />
      </Router>
    </ErrorBoundary>
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

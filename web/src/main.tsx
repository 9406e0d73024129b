/**
 * The web client: Preact screens over the API's generated client, inside the app's frame
 * (layout/frame.tsx). Each screen is its own chunk, fetched the first time its route opens:
 * the first screen ships only the frame and itself.
 */
import { render, type FunctionComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Frame } from './layout/frame.js';
import { currentUser } from './session.js';
import './styles.css';
import './layout/layout.css';

/**
 * A route's screen, fetched when first opened. A fetch that fails (offline, or a newer build
 * replaced the chunk) shows ScreenFailed rather than nothing; its Reload asks again.
 */
function screen<P>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  const failed: FunctionComponent<P> = () => <ScreenFailed />;
  return lazy(() => load().catch(() => failed));
}

const Activity = screen(() => import('./screens/activity.js').then((m) => m.Activity));
const LogIn = screen(() => import('./screens/auth.js').then((m) => m.LogIn));
const SignUp = screen(() => import('./screens/auth.js').then((m) => m.SignUp));
const Feed = screen(() => import('./screens/feed.js').then((m) => m.Feed));
const Followers = screen(() => import('./screens/people.js').then((m) => m.Followers));
const Following = screen(() => import('./screens/people.js').then((m) => m.Following));
const PhotoDetail = screen(() => import('./screens/photo.js').then((m) => m.PhotoDetail));
const Profile = screen(() => import('./screens/profile.js').then((m) => m.Profile));
const Search = screen(() => import('./screens/search.js').then((m) => m.Search));
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
        <Route path="/activity" component={Activity} />
        <Route path="/u/:username" component={Profile} />
        <Route path="/u/:username/followers" component={Followers} />
        <Route path="/u/:username/following" component={Following} />
        <Route path="/p/:photoId" component={PhotoDetail} />
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

/** The web client: Preact screens over the API's generated client. */
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { LogIn, SignUp } from './screens/auth.js';
import { Followers, Following } from './screens/people.js';
import { PhotoDetail } from './screens/photo.js';
import { Profile } from './screens/profile.js';
import { Settings } from './screens/settings.js';
import { Upload } from './screens/upload.js';
import { currentUser } from './session.js';
import './styles.css';

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to, route]);
  return null;
}

function Nav({ username }: { username: string }) {
  return (
    <nav class="nav" aria-label="Main">
      <a href="/">Home</a>
      <a href="/upload">New photo</a>
      <a href={`/u/${username}`}>Profile</a>
      <a href="/settings">Settings</a>
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
        <Route default component={LogIn} />
      </Router>
    );
  }
  return (
    <>
      <Router>
        <Route path="/" component={() => <Redirect to={`/u/${username}`} />} />
        <Route path="/login" component={() => <Redirect to="/" />} />
        <Route path="/signup" component={() => <Redirect to="/" />} />
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

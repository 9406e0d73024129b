/**
 * A component whose code is fetched the first time it is shown (its own chunk), so that what
 * only some people open (dialogs, forgot password, the sessions list) stays out of the first
 * screen's JavaScript. Until the chunk arrives it renders nothing; a failed fetch says so.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<{ C: ComponentType<P> } | undefined>(loaded ? { C: loaded } : undefined);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (component) return;
      let live = true;
      load().then(
        (C) => {
          loaded = C;
          if (live) setComponent({ C });
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, []);
    if (failed) {
      return (
        <p class="notice" role="alert">
          This part of the app could not be loaded; check your connection and try again.
        </p>
      );
    }
    return component ? <component.C {...props} /> : null;
  };
}

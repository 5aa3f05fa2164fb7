// New alerts as the store has them (server-sent events): the views re-query, at most once a second.
import { useEffect, useRef, useState } from 'preact/hooks';

let source = null;
const listeners = new Set();
let connected = false;

function open() {
  if (source) return;
  source = new EventSource('api/alerts/live');
  source.addEventListener('open', () => {
    connected = true;
    listeners.forEach((l) => l(null));
  });
  source.addEventListener('error', () => {
    connected = false;
    listeners.forEach((l) => l(null));
  });
  const notify = (e) => listeners.forEach((l) => l(e));
  source.addEventListener('alert', notify);
  source.addEventListener('overflow', notify);
}

/** A counter that goes up (throttled to once a second) when new alerts arrive; and whether the feed is up. */
export function useLive() {
  const [tick, setTick] = useState(0);
  const [up, setUp] = useState(connected);
  const pending = useRef(null);
  useEffect(() => {
    open();
    const l = (e) => {
      setUp(connected);
      if (e && !pending.current) {
        pending.current = setTimeout(() => {
          pending.current = null;
          setTick((t) => t + 1);
        }, 1000);
      }
    };
    listeners.add(l);
    return () => {
      listeners.delete(l);
      clearTimeout(pending.current);
    };
  }, []);
  return [tick, up];
}

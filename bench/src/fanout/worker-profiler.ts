/** The V8 CPU profiler of an agent process, driven by the parent (ProfileCommand), through node:inspector. */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

let session: Session | undefined;

export async function startProfile(): Promise<void> {
  if (session !== undefined) return;
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 200 µs between samples: a one-route delta is a fraction of a millisecond of work per agent.
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}

/** Stops the profiler and writes its profile to `path`; undefined when none was running. */
export async function stopProfile(path: string): Promise<string | undefined> {
  const running = session;
  if (running === undefined) return undefined;
  session = undefined;
  const { profile } = await running.post('Profiler.stop');
  running.disconnect();
  await writeFile(path, JSON.stringify(profile));
  return path;
}

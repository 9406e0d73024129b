/** Entry point of the `quick-photos` CLI (bin/quick-photos.js, `npm run cli --`). */
import { run } from './program.js';

// `quick-photos ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2), { io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin } });

/**
 * The embedded engine in a process of its own: its loopback relay (src/engine/relay.ts) pipes
 * every DynamoDB byte, and that work must count as the engine's, not as the raw client's or
 * the bench's. Tells its parent the endpoint and the JVM's pid; stops the engine on disconnect.
 */
import { startEmbeddedEngine } from '../src/engine/embedded.js';

const engine = await startEmbeddedEngine();
process.send?.({ endpoint: engine.endpoint, pid: engine.pid });
process.on('disconnect', () => {
  void engine.stop().then(() => process.exit(0));
});

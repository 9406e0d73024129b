/**
 * Starts one in-memory DynamoDB Local for the test run, unless DYNAMODB_ENDPOINT names an
 * engine already running (then the same suite runs against that engine instead).
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

let engine: EmbeddedEngine | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    project.provide('dynamodbEndpoint', external);
    return;
  }
  engine = await startEmbeddedEngine();
  project.provide('dynamodbEndpoint', engine.endpoint);
}

export async function teardown(): Promise<void> {
  await engine?.stop();
}

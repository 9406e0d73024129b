/** Accounts: credentials, sessions, email ownership, and deletion. */
export * from './hashing.js';
export * from './passwords.js';
export * from './sessions.js';
export * from './session-ends.js';
export * from './session-list.js';
export * from './devices.js';
export * from './throttles.js';
export * from './credentials.js';
export * from './sign-up-resume.js';
export * from './email.js';
export * from './email-change.js';
export * from './deletion.js';

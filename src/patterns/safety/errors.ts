/** Errors of the safety features; codes are stable and listed by the routes that answer them. */
import { DomainError } from '../../errors.js';

export const safetyErrors = {
  selfBlock: (username: string) => new DomainError('invalid', 'SELF_BLOCK', `User ${username} cannot block themselves.`),
  /** The actor blocked the other user: undo the block first (the blocked side sees USER_NOT_FOUND instead). */
  youBlocked: (blocker: string, blocked: string) =>
    new DomainError('conflict', 'USER_BLOCKED', `User ${blocker} has blocked user ${blocked}; unblock first.`),
  alreadyBlocked: (blocker: string, blocked: string) =>
    new DomainError('conflict', 'ALREADY_BLOCKED', `User ${blocker} has already blocked user ${blocked}.`),
  notBlocked: (blocker: string, blocked: string) => new DomainError('not_found', 'NOT_BLOCKED', `User ${blocker} has not blocked user ${blocked}.`),
};

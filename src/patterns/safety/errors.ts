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
  /** Following (or seeing the content of) a private account takes an approved request. */
  privateAccount: (username: string) =>
    new DomainError('forbidden', 'PRIVATE_ACCOUNT', `User ${username} is private: only approved followers see their photos and lists.`),
  notPrivate: (username: string) => new DomainError('conflict', 'NOT_PRIVATE', `User ${username} is public: follow them directly.`),
  requestExists: (requester: string, target: string) =>
    new DomainError('conflict', 'REQUEST_EXISTS', `User ${requester} has already asked to follow user ${target}.`),
  suspended: (username: string) => new DomainError('forbidden', 'ACCOUNT_SUSPENDED', `The account ${username} is suspended.`),
  reportExists: (reporter: string, target: string) =>
    new DomainError('conflict', 'REPORT_EXISTS', `User ${reporter} has already reported ${target}.`),
  reportNotFound: (reporter: string, target: string) =>
    new DomainError('not_found', 'REPORT_NOT_FOUND', `There is no open report by ${reporter} on ${target}.`),
  requestNotFound: (requester: string, target: string) =>
    new DomainError('not_found', 'REQUEST_NOT_FOUND', `User ${requester} has no pending request to follow user ${target}.`),
};

/**
 * What the workspace refuses, by class: each error carries a code saying why, so hosts map it to
 * an API error in one place (hosts/api-errors.ts) instead of matching messages. 'not-found': the
 * request named a dataset, split or run the workspace does not hold; 'refused': the workspace will
 * not do what was asked (bad name, name taken, a model that does not fit the data ...).
 */
export type WorkspaceErrorCode = 'not-found' | 'refused';

export class WorkspaceError extends Error {
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

/** A request named something the workspace does not hold. */
export class NotInWorkspace extends WorkspaceError {
  constructor(message: string) {
    super('not-found', message);
    this.name = 'NotInWorkspace';
  }
}

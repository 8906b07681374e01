/** Engine jobs of the audit feature, by kind. */
import type { Task } from './types';

export const auditTasks: Record<string, Task> = {};

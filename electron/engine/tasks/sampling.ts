/** Engine jobs of the sampling feature, by kind. */
import type { Task } from './types';

export const samplingTasks: Record<string, Task> = {};

/** Engine jobs of the datasets feature, by kind. */
import type { Task } from './types';

export const datasetTasks: Record<string, Task> = {};

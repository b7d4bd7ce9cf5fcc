/** Registers the reference-data and miscellaneous request handlers (one call for app.ts). */
import type { HandlerRegistry } from '../dispatcher.js';
import { registerDisplayGroupHandlers } from './display-groups.js';
import { registerExerciseHandlers } from './exercise.js';
import { registerFaHandlers } from './fa.js';
import { registerNewsHandlers } from './news.js';
import { registerReferenceDataHandlers } from './reference-data.js';
import { registerScannerHandlers } from './scanner.js';

export function registerReferenceRequestHandlers(registry: HandlerRegistry): void {
  registerReferenceDataHandlers(registry);
  registerNewsHandlers(registry);
  registerScannerHandlers(registry);
  registerFaHandlers(registry);
  registerExerciseHandlers(registry);
  registerDisplayGroupHandlers(registry);
}

// The counter exercise adds its per-visitor counter to the sessions app: see counter.js.
export { counterRoutes as extraRoutes } from './counter.js';

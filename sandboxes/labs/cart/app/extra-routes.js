// The cart exercise adds its shopping cart to the sessions app: see cart.js.
export { cartRoutes as extraRoutes } from './cart.js';

// The avatar exercise adds its picture upload to the sessions app: see avatar.js.
export { avatarRoutes as extraRoutes } from './avatar.js';

// The site's configuration as `npm start` serves it to learners: the same as astro.config.mjs,
// without Astro's dev toolbar, which is a tool for the course's authors (`npm run dev` keeps it).
import config from '../astro.config.mjs';

export default { ...config, devToolbar: { enabled: false } };

// The sentences this app writes for people, in French and in English. The platform sets
// LAB_LANG (`fr` or `en`) from the language of the page that shows the lab. They live here, apart,
// so that the other files stay about processes and state rather than about translation.
// What programs read (the JSON field names, the status codes) never changes with the language.
const messages = {
  fr: {
    shuttingDown: 'SIGTERM : je termine les requêtes en cours, puis je quitte',
    runningAsRoot:
      "Lancée en root : cette app n'a besoin d'aucun privilège, lancez-la avec un utilisateur ordinaire.",
    storeUnreachable: (why) => `Le magasin de sessions est injoignable : ${why}`,
    noRoute: (method, url) => `Pas de route ${method} ${url}`,
  },
  en: {
    shuttingDown: 'SIGTERM: finishing requests in flight, then exiting',
    runningAsRoot: 'Running as root: this app needs no privilege, run it as an ordinary user.',
    storeUnreachable: (why) => `The session store is unreachable: ${why}`,
    noRoute: (method, url) => `No route ${method} ${url}`,
  },
};

// French is the course's default, so an app started without LAB_LANG speaks French.
export const say = messages[process.env.LAB_LANG === 'en' ? 'en' : 'fr'];

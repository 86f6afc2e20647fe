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
    requestFailed: (method, url, why) => `${method} ${url} a échoué : ${why}`,
    storeBack: 'redis : connexion rétablie',
    // For the exercises that extend this app: the cart and the avatar.
    itemInvalid: 'Envoyez {"item": "…"} : un nom de 1 à 100 caractères.',
    cartFull: (max) => `Le panier est plein (${max} articles).`,
    pictureType: (types) => `Envoyez une image : ${types}.`,
    pictureEmpty: "L'image est vide.",
    pictureTooLarge: (kb) => `L'image est trop grande : ${kb} Ko au plus.`,
    noAvatar: 'Aucun avatar : envoyez-en un avec PUT /api/avatar.',
    avatarsNeedRedis:
      'Les avatars sont gardés dans Redis : lancez le laboratoire avec SESSION_STORE=redis.',
  },
  en: {
    shuttingDown: 'SIGTERM: finishing requests in flight, then exiting',
    runningAsRoot: 'Running as root: this app needs no privilege, run it as an ordinary user.',
    storeUnreachable: (why) => `The session store is unreachable: ${why}`,
    noRoute: (method, url) => `No route ${method} ${url}`,
    requestFailed: (method, url, why) => `${method} ${url} failed: ${why}`,
    storeBack: 'redis: connected again',
    itemInvalid: 'Send {"item": "…"}: a name of 1 to 100 characters.',
    cartFull: (max) => `The cart is full (${max} items).`,
    pictureType: (types) => `Send a picture: ${types}.`,
    pictureEmpty: 'The picture is empty.',
    pictureTooLarge: (kb) => `The picture is too large: ${kb} KB at most.`,
    noAvatar: 'No avatar found: upload one with PUT /api/avatar.',
    avatarsNeedRedis: 'Avatars are kept in Redis: start the lab with SESSION_STORE=redis.',
  },
};

// French is the course's default, so an app started without LAB_LANG speaks French.
export const say = messages[process.env.LAB_LANG === 'en' ? 'en' : 'fr'];

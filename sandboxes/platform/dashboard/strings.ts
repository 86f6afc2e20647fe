/**
 * Every string the dashboard shows, in French (the default) and English.
 *
 * The French object defines the keys; the English one is typed against them, so a key missing
 * from either language is a type error. Placeholders such as `{id}` are filled in by the page's
 * script. Both languages use the course glossary: instance, magasin de sessions / session store,
 * service de soutien / backing service, session collante / sticky session, vivacité / liveness,
 * préparation / readiness, remplacement progressif / rolling replacement, répartiteur de
 * charge / load balancer.
 */

/** The languages the dashboard speaks. */
export type Lang = 'fr' | 'en';

/**
 * Applies French typography: a no-break space before `:`, `;`, `!`, `?` and inside « », so that
 * a line never starts with the punctuation. Keeping it out of the literals keeps them readable.
 */
export function frenchSpacing<T extends Record<string, string>>(table: T): T {
  const spaced: Record<string, string> = {};
  for (const [key, text] of Object.entries(table)) {
    spaced[key] = text.replace(/ ([:;!?»])/g, '\u00a0$1').replace(/« /g, '«\u00a0');
  }
  return spaced as T;
}

const fr = frenchSpacing({
  title: 'Laboratoire : processus sans état',
  intro:
    'Plusieurs instances de la même app tournent derrière un répartiteur de charge. Visitez, tuez, remplacez : si vos sessions restent en mémoire, elles meurent avec leur processus ; dans Redis, elles survivent.',
  otherLanguage: 'English',
  glanceHeading: "État d'un coup d'œil",
  glanceSessionStore: 'Magasin de sessions',
  glanceSticky: 'Session collante',
  glanceStore: 'Service de soutien (Redis)',
  glanceInstances: 'Instances souhaitées',
  glanceFeed: 'Flux en direct',
  storeMemory: 'mémoire (dans chaque instance)',
  storeRedis: 'Redis (partagé)',
  stickyOn: 'activée',
  stickyOff: 'désactivée',
  storeEmbedded: 'intégré, port {port}',
  storeExternal: 'externe',
  storeUp: 'disponible',
  storeDown: 'en panne',
  feedConnected: 'connecté',
  feedConnecting: 'connexion…',
  feedReconnecting: 'coupé, reconnexion…',
  feedPollingSilent: 'flux retenu en chemin : interrogation toutes les secondes',
  feedPollingDown: 'flux injoignable : interrogation toutes les secondes',
  glanceCarrier: 'Votre session voyage',
  carrierCookie: 'dans un cookie',
  carrierHeader: 'dans un en-tête, car ce navigateur refuse ici le cookie',
  glanceWatcher: "Modifications de l'app",
  watcherRecursive: 'surveillées (tout le dossier)',
  watcherPerFile: 'surveillées fichier par fichier',
  watcherPolling: 'relevées par interrogation régulière des fichiers',
  watcherOff: 'non surveillées',
  selfTestHeading: 'Ce que le laboratoire a vérifié de son environnement',
  checkStoreLink: 'Lien vers le magasin de sessions',
  checkSigterm: 'Signal SIGTERM',
  checkWatcher: 'Surveillance des fichiers',
  checkCookie: 'Cookie de session',
  checkOk: 'fonctionne',
  checkFallback: 'solution de repli',
  checkFailed: 'en échec',
  checkPending: 'en attente',
  unknown: 'inconnu',

  rolloutFailedTitle: 'Le remplacement progressif a échoué',
  rolloutFailedBody:
    "La nouvelle version de l'app ne démarre pas : les anciennes instances continuent de servir. Corrigez le fichier, puis relancez un remplacement.",
  rolloutDue: 'Remplacement progressif à venir ({reason}), demandé à {time}',
  rolloutRunning: 'Remplacement progressif en cours ({reason}), depuis {time}',
  cookieWarningTitle: 'Ce navigateur ne renvoie pas le cookie de session',
  cookieWarningBody:
    "Le tableau de bord est sans doute affiché dans un cadre d'un autre site, où ce navigateur bloque les cookies tiers : chaque visite commencerait une nouvelle session. Le tableau de bord porte donc lui-même votre session, dans un en-tête, et tout continue de fonctionner ici. Pour voir le laboratoire avec son vrai cookie, ouvrez-le dans son propre onglet.",
  cookieWarningLink: 'Ouvrir le tableau de bord dans un nouvel onglet',

  sessionHeading: 'Votre session',
  sessionNone: 'Pas encore de visite. Cliquez sur « Visiter » ou lancez le trafic automatique.',
  sessionAnswered: '{instance} a répondu : {visits} dans votre session (stockée {store}).',
  sessionLostFresh:
    'Session perdue : {instance} ne vous connaissait pas et repart de 1 visite au lieu de {expected}.',
  sessionLostStale:
    'Session perdue : {instance} ne connaît que {visits} alors que vous en êtes à {expected}.',
  sessionError: 'La visite a échoué ({status}) : {error}',
  sessionKnown: '{instance} connaît déjà {visits} dans votre session.',
  sessionStarted: '{instance} a ouvert une nouvelle session : {visits} (stockée {store}).',
  sessionRefused:
    "{instance} a répondu {visits} : votre navigateur n'a pas renvoyé le cookie, la session est repartie de zéro. Elle voyagera désormais dans un en-tête.",
  sessionStoreMemory: 'en mémoire',
  sessionStoreRedis: 'dans Redis',
  visitsOne: '{n} visite',
  visitsOther: '{n} visites',
  sentLabel: 'Visites réussies envoyées',
  lastCountLabel: "Compte donné par l'instance",
  answeredByLabel: 'Dernière réponse de',
  knownHeading: 'Ce que chaque instance a répondu en dernier',
  knownCount: '{instance} : {visits}',
  knownNothing: '{instance} : pas encore de visite',
  visit: 'Visiter',
  autoTraffic: 'Trafic automatique (une visite toutes les 0,7 s)',
  burst: "20 visites d'un coup",
  burstHelp:
    'Envoie 20 visites de votre session en même temps, puis compare la hausse du compte à 20.',
  burstSending: 'Envoi de {n} visites en même temps…',
  burstRose:
    "{n} visites envoyées d'un coup, {answered} réponses 200 : le compte est passé de {before} à {after}, soit +{rise}.",
  burstRoseCopies:
    "{n} visites envoyées d'un coup, {answered} réponses 200 : les {copies} copies de votre session (une par instance, sessions en mémoire) ont monté de {rise} en tout.",
  burstLostOne:
    '{n} mise à jour perdue : des visites simultanées ont lu le même compte et écrit chacune ce compte plus un.',
  burstLostOther:
    "{n} mises à jour perdues : des visites simultanées ont lu le même compte et écrit chacune ce compte plus un ; la dernière écriture l'emporte.",
  burstNoneLost:
    'Aucune mise à jour perdue cette fois : les visites ne se sont pas chevauchées. Réessayez.',
  burstFailuresOne: '{n} visite a échoué : {error}',
  burstFailuresOther: '{n} visites ont échoué : {error}',
  burstFailed: "Aucune des {n} visites n'a abouti : {error}",
  expiresLabel: 'Expire dans',
  expiresNone: 'aucune session',
  expiryFromRedis: 'TTL de la clé sess:… lu dans Redis par {instance} à {time}, décompté ici.',
  expiryFromMemory: 'Expiration lue dans la mémoire de {instance} à {time}, décomptée ici.',
  expiryNoneRedis:
    'Redis ne garde aucune session pour vous : la prochaine visite en commencera une.',
  expiryNoneMemory: '{instance} ne garde aucune session pour vous dans sa mémoire.',
  newSession: 'Nouvelle session',
  sessionEnded:
    "Session terminée : le magasin l'a oubliée. La prochaine visite en commence une nouvelle, à 1.",
  sessionExpired:
    'Votre session a expiré : le magasin ne la garde plus. La prochaine visite en commence une nouvelle, à 1.',

  instancesHeading: 'Instances',
  instancesEmpty: "Aucune instance en marche pour l'instant.",
  statusStarting: 'démarrage',
  statusReady: 'prête',
  statusUnready: 'pas prête (préparation en échec)',
  statusStopping: 'arrêt en cours',
  servedLabel: 'Requêtes servies :',
  processLabel: 'Port {port}, PID {pid}',
  kill: 'Tuer',

  timelineHeading: 'Chronologie de vos visites',
  timelineHelp:
    "Chaque case est une visite, colorée par l'instance qui a répondu, avec le compte qu'elle a donné. Une case marquée d'un ✕ rouge signale le moment où la session a été perdue ; un ⊘, une visite dont le navigateur n'a pas renvoyé le cookie ; un ↺, une session commencée à neuf.",
  timelineEmpty: 'Vos visites apparaîtront ici.',
  timelineLost: 'session perdue',
  timelineRefused: 'cookie non renvoyé',
  timelineFresh: 'nouvelle session',
  timelineError: 'erreur',

  controlsHeading: 'Commandes de la plateforme',
  replaceAll: 'Remplacer toutes les instances',
  replaceHelp:
    'Remplacement progressif : chaque nouvelle instance est prête avant que l’ancienne reçoive SIGTERM.',
  scaleLabel: "Nombre d'instances (1 à 8)",
  scaleApply: 'Appliquer',
  scaleAction: "Changer le nombre d'instances",
  configLegend: 'Magasin de sessions',
  configMemory: 'Mémoire de chaque instance',
  configRedis: 'Redis, service de soutien partagé',
  configSticky: 'Session collante (affinité de session)',
  configApply: 'Appliquer par remplacement progressif',
  configAction: 'Changer la configuration des sessions',
  configMaxAge: "Durée de vie d'une nouvelle session, en secondes (5 à 86 400)",
  configMaxAgeHelp:
    "86 400 s font une journée ; 15 s vous laissent voir une session expirer. Une session déjà commencée garde la durée qu'elle a reçue (« Nouvelle session » en commence une).",
  storeHeading: 'Panne du service de soutien',
  storeStop: 'Arrêter Redis',
  storeStart: 'Redémarrer Redis',
  tasksHeading: "Tâches d'administration",
  tasksHelp:
    'Une tâche ponctuelle (un comptage, une migration) tourne dans un processus à part, à côté des instances : même code, même configuration, puis elle se termine. Jamais dans une instance.',
  taskLabel: 'Tâche',
  taskRun: 'Lancer la tâche',
  taskNone: "L'app n'a pas de tâche (aucun fichier dans tasks/).",
  taskRunning: '{task} tourne…',
  taskExited: '{task} terminée, code de sortie {code}',
  taskKilled: '{task} arrêtée par {signal}',
  taskTimedOut: '{task} a tourné trop longtemps : la plateforme l’a arrêtée au bout de {seconds} s',
  taskFailed: 'La tâche n’a pas pu tourner : {error}',
  taskOutputLabel: 'Sortie de la tâche',

  eventsHeading: 'Événements de la plateforme',
  eventsEmpty: 'Aucun événement pour l’instant.',
  evStarted: '{id} a démarré (port {port}, PID {pid})',
  evReady: '{id} est prête et reçoit du trafic',
  evUnready: "{id} n'est plus prête : le répartiteur de charge ne lui envoie plus de trafic",
  evKilled: '{id} a été tuée ; la plateforme la remplace',
  evCrashed: "{id} s'est arrêtée brutalement (code {code})",
  evUnhealthy:
    '{id} ne répondait plus à sa vérification de vivacité (liveness) ; la plateforme la remplace (Kubernetes la redémarrerait dans le même pod)',
  evReplaced: '{id} arrêtée proprement (remplacement progressif)',
  evScaledDown: "{id} arrêtée (moins d'instances demandées)",
  evFailedToStart: "{id} n'a pas pu démarrer",
  evLabStopped: '{id} arrêtée avec le laboratoire',
  evForced: "Il a fallu la tuer (SIGKILL) au bout de {seconds} s : SIGTERM ne l'a pas arrêtée.",
  evSeenGone: "{id} a disparu (constaté en interrogeant l'état)",
  evSeenStarted: "{id} est apparue (constaté en interrogeant l'état)",
  evStoreDown: 'Redis en panne',
  evStoreUp: 'Redis de nouveau disponible',
  evRolloutStarted: 'Remplacement progressif commencé ({reason})',
  evRolloutFinished: 'Remplacement progressif terminé',
  evRolloutFailed: 'Remplacement progressif interrompu : {error}',
  // A rollout's reason arrives as a code in English (see types.ts), shown in these words.
  reasonReplace: 'remplacement demandé',
  reasonEdit: "les fichiers de l'app ont changé",
  reasonStore: 'magasin de sessions : {from} → {to}',
  reasonMaxAge: 'durée de vie des sessions : {from} s → {to} s',
  evLog: "{instance} (sortie d'erreur) : {line}",
  evTaskStarted: 'Tâche {task} lancée dans un processus à part (PID {pid})',
  evTaskFinished: 'Tâche {task} terminée (code {code})',

  pending: '{action} : en cours…',
  done: "{action} : c'est fait.",
  failed: '« {action} » a échoué : {error}',
  unreachable:
    'Le laboratoire ne répond pas. Vérifiez qu’il tourne toujours (npm run lab), puis réessayez.',
  httpStatus: 'réponse HTTP {status}',

  recordingLoading: "Chargement de l'enregistrement…",
  recordingLabel:
    "Un enregistrement d'une vraie exécution de ce laboratoire, fait lors de la construction du site, le {date}",
  recordingUnavailable: "L'enregistrement n'a pas pu être chargé",
  recordingMissing:
    "L'enregistrement « {id} » n'a pas pu être chargé ({error}). Rechargez la page ; si cela continue, lancez le laboratoire sur votre machine (npm start).",
  recordingControlsReason:
    'Ceci est un enregistrement : les commandes du laboratoire ne peuvent pas agir sur lui. Démarrez le laboratoire pour les essayer vous-même.',
  feedRecording: 'enregistrement : aucun laboratoire ne tourne ici',
  playerControls: "Lecture de l'enregistrement",
  playerPlay: 'Lire',
  playerPause: 'Pause',
  playerReplay: 'Revoir depuis le début',
  playerBack: 'Étape précédente',
  playerForward: 'Étape suivante',
  playerPosition: "Position dans l'enregistrement",
  playerPositionText: 'étape {step} sur {steps}, {time} sur {total}',
  playerSpeed: 'Vitesse',
  playerStep: 'Étape {n} sur {total} : {do}',
  recVisit: '{method} {path} : réponse {status}',
  recFiles: 'Fichier {file} modifié',
  recCheckPassed: 'La vérification passe',
  recCheckFailed: 'La vérification échoue',
});

/** The keys every language must define. */
export type StringKey = keyof typeof fr;

/** One language's strings: every key, each a non-empty sentence or label. */
export type Strings = Record<StringKey, string>;

const en: Strings = {
  title: 'Lab: stateless processes',
  intro:
    'Several instances of the same app run behind a load balancer. Visit, kill, replace: while your sessions live in memory, they die with their process; in Redis, they survive.',
  otherLanguage: 'Français',
  glanceHeading: 'At a glance',
  glanceSessionStore: 'Session store',
  glanceSticky: 'Sticky session',
  glanceStore: 'Backing service (Redis)',
  glanceInstances: 'Desired instances',
  glanceFeed: 'Live feed',
  storeMemory: 'memory (inside each instance)',
  storeRedis: 'Redis (shared)',
  stickyOn: 'on',
  stickyOff: 'off',
  storeEmbedded: 'embedded, port {port}',
  storeExternal: 'external',
  storeUp: 'up',
  storeDown: 'down',
  feedConnected: 'connected',
  feedConnecting: 'connecting…',
  feedReconnecting: 'lost, reconnecting…',
  feedPollingSilent: 'stream held up on the way: polling every second',
  feedPollingDown: 'stream unreachable: polling every second',
  glanceCarrier: 'Your session travels',
  carrierCookie: 'in a cookie',
  carrierHeader: 'in a header, because this browser refuses the cookie here',
  glanceWatcher: 'Edits to the app',
  watcherRecursive: 'watched (the whole folder)',
  watcherPerFile: 'watched file by file',
  watcherPolling: 'checked by polling the files',
  watcherOff: 'not watched',
  selfTestHeading: 'What the lab checked about where it runs',
  checkStoreLink: 'Link to the session store',
  checkSigterm: 'SIGTERM signal',
  checkWatcher: 'File watching',
  checkCookie: 'Session cookie',
  checkOk: 'works',
  checkFallback: 'fallback',
  checkFailed: 'failed',
  checkPending: 'pending',
  unknown: 'unknown',

  rolloutFailedTitle: 'The rolling replacement failed',
  rolloutFailedBody:
    'The new version of the app does not start, so the old instances keep serving. Fix the file, then start a replacement again.',
  rolloutDue: 'Rolling replacement due ({reason}), asked for at {time}',
  rolloutRunning: 'Rolling replacement under way ({reason}), since {time}',
  cookieWarningTitle: 'This browser does not send the session cookie back',
  cookieWarningBody:
    'The dashboard is probably shown in a frame of another site, where this browser blocks third-party cookies: every visit would start a new session. So the dashboard carries your session itself, in a header, and everything keeps working here. To see the lab with its real cookie, open it in its own tab.',
  cookieWarningLink: 'Open the dashboard in a new tab',

  sessionHeading: 'Your session',
  sessionNone: 'No visit yet. Press “Visit” or turn on automatic traffic.',
  sessionAnswered: '{instance} answered: {visits} in your session (kept {store}).',
  sessionLostFresh:
    'Session lost: {instance} did not know you and starts again at 1 visit instead of {expected}.',
  sessionLostStale: 'Session lost: {instance} only knows {visits}, but you are at {expected}.',
  sessionError: 'The visit failed ({status}): {error}',
  sessionKnown: '{instance} already knows {visits} in your session.',
  sessionStarted: '{instance} started a new session: {visits} (kept {store}).',
  sessionRefused:
    '{instance} answered {visits}: your browser did not send the cookie back, so the session started over. From now on it travels in a header.',
  sessionStoreMemory: 'in memory',
  sessionStoreRedis: 'in Redis',
  visitsOne: '{n} visit',
  visitsOther: '{n} visits',
  sentLabel: 'Successful visits sent',
  lastCountLabel: 'Count given by the instance',
  answeredByLabel: 'Last answer from',
  knownHeading: 'What each instance answered last',
  knownCount: '{instance}: {visits}',
  knownNothing: '{instance}: no visit yet',
  visit: 'Visit',
  autoTraffic: 'Automatic traffic (one visit every 0.7 s)',
  burst: '20 visits at once',
  burstHelp:
    'Sends 20 visits of your session together, then compares how much the count rose with 20.',
  burstSending: 'Sending {n} visits at once…',
  burstRose:
    '{n} visits sent at once, {answered} answered 200: the count went from {before} to {after}, up {rise}.',
  burstRoseCopies:
    '{n} visits sent at once, {answered} answered 200: the {copies} copies of your session (one per instance, with memory sessions) rose by {rise} in all.',
  burstLostOne:
    '{n} update lost: visits that overlapped read the same count and each wrote that count plus one.',
  burstLostOther:
    '{n} updates lost: visits that overlapped read the same count and each wrote that count plus one; the last write wins.',
  burstNoneLost: 'No update lost this time: the visits did not overlap. Try again.',
  burstFailuresOne: '{n} visit failed: {error}',
  burstFailuresOther: '{n} visits failed: {error}',
  burstFailed: 'None of the {n} visits went through: {error}',
  expiresLabel: 'Expires in',
  expiresNone: 'no session',
  expiryFromRedis:
    'TTL of the sess:… key, read in Redis by {instance} at {time}, counted down here.',
  expiryFromMemory: 'Expiry read in the memory of {instance} at {time}, counted down here.',
  expiryNoneRedis: 'Redis holds no session of yours: the next visit will start one.',
  expiryNoneMemory: '{instance} holds no session of yours in its memory.',
  newSession: 'New session',
  sessionEnded: 'Session ended: the store has forgotten it. The next visit starts a new one, at 1.',
  sessionExpired:
    'Your session has expired: the store no longer holds it. The next visit starts a new one, at 1.',

  instancesHeading: 'Instances',
  instancesEmpty: 'No instance is running yet.',
  statusStarting: 'starting',
  statusReady: 'ready',
  statusUnready: 'not ready (readiness failing)',
  statusStopping: 'stopping',
  servedLabel: 'Requests served:',
  processLabel: 'Port {port}, PID {pid}',
  kill: 'Kill',

  timelineHeading: 'Timeline of your visits',
  timelineHelp:
    'Each box is one visit, coloured by the instance that answered, with the count it gave. A box with a red ✕ marks the moment the session was lost; a ⊘, a visit whose cookie the browser did not send back; a ↺, a session started afresh.',
  timelineEmpty: 'Your visits will show up here.',
  timelineLost: 'session lost',
  timelineRefused: 'cookie not sent back',
  timelineFresh: 'new session',
  timelineError: 'error',

  controlsHeading: 'Platform controls',
  replaceAll: 'Replace every instance',
  replaceHelp: 'Rolling replacement: each new instance is ready before the old one gets SIGTERM.',
  scaleLabel: 'Number of instances (1 to 8)',
  scaleApply: 'Apply',
  scaleAction: 'Change the number of instances',
  configLegend: 'Session store',
  configMemory: 'Memory of each instance',
  configRedis: 'Redis, a shared backing service',
  configSticky: 'Sticky session (session affinity)',
  configApply: 'Apply by rolling replacement',
  configAction: 'Change the session configuration',
  configMaxAge: 'Lifetime of a new session, in seconds (5 to 86,400)',
  configMaxAgeHelp:
    '86,400 s is a day; 15 s lets you watch a session expire. A session already under way keeps the lifetime it was given (“New session” starts one).',
  storeHeading: 'Backing service outage',
  storeStop: 'Stop Redis',
  storeStart: 'Start Redis again',
  tasksHeading: 'Admin tasks',
  tasksHelp:
    'A one-off task (a count, a migration) runs as a process of its own, beside the instances: same code, same config, then it exits. Never inside an instance.',
  taskLabel: 'Task',
  taskRun: 'Run the task',
  taskNone: 'The app has no task (no file in tasks/).',
  taskRunning: '{task} is running…',
  taskExited: '{task} finished, exit code {code}',
  taskKilled: '{task} was stopped by {signal}',
  taskTimedOut: '{task} ran too long: the platform stopped it after {seconds} s',
  taskFailed: 'The task could not run: {error}',
  taskOutputLabel: 'Output of the task',

  eventsHeading: 'Platform events',
  eventsEmpty: 'No event yet.',
  evStarted: '{id} started (port {port}, PID {pid})',
  evReady: '{id} is ready and gets traffic',
  evUnready: '{id} is no longer ready: the load balancer stops sending it traffic',
  evKilled: '{id} was killed; the platform replaces it',
  evCrashed: '{id} crashed (exit code {code})',
  evUnhealthy:
    '{id} failed its liveness check; the platform replaces it (Kubernetes would restart it in the same pod)',
  evReplaced: '{id} stopped cleanly (rolling replacement)',
  evScaledDown: '{id} stopped (fewer instances wanted)',
  evFailedToStart: '{id} failed to start',
  evLabStopped: '{id} stopped with the lab',
  evForced: 'It had to be killed (SIGKILL) after {seconds} s: SIGTERM did not stop it.',
  evSeenGone: '{id} is gone (seen by polling)',
  evSeenStarted: '{id} appeared (seen by polling)',
  evStoreDown: 'Redis is down',
  evStoreUp: 'Redis is up again',
  evRolloutStarted: 'Rolling replacement started ({reason})',
  evRolloutFinished: 'Rolling replacement finished',
  evRolloutFailed: 'Rolling replacement stopped: {error}',
  reasonReplace: 'replace requested',
  reasonEdit: 'the app files changed',
  reasonStore: 'session store: {from} → {to}',
  reasonMaxAge: 'session lifetime: {from} s → {to} s',
  evLog: '{instance} (stderr): {line}',
  evTaskStarted: 'Task {task} started as a process of its own (PID {pid})',
  evTaskFinished: 'Task {task} finished (exit code {code})',

  pending: '{action}: in progress…',
  done: '{action}: done.',
  failed: '“{action}” failed: {error}',
  unreachable:
    'The lab does not answer. Check that it is still running (npm run lab), then try again.',
  httpStatus: 'HTTP status {status}',

  recordingLoading: 'Loading the recording…',
  recordingLabel: 'A recording of a real run of this lab, made when the site was built, on {date}',
  recordingUnavailable: 'The recording could not be loaded',
  recordingMissing:
    'The recording “{id}” could not be loaded ({error}). Reload the page; if it goes on, run the lab on your machine (npm start).',
  recordingControlsReason:
    'This is a recording: the lab’s controls cannot act on it. Start the lab to try them yourself.',
  feedRecording: 'a recording: no lab is running here',
  playerControls: 'Playback of the recording',
  playerPlay: 'Play',
  playerPause: 'Pause',
  playerReplay: 'Play again from the start',
  playerBack: 'Previous step',
  playerForward: 'Next step',
  playerPosition: 'Position in the recording',
  playerPositionText: 'step {step} of {steps}, {time} of {total}',
  playerSpeed: 'Speed',
  playerStep: 'Step {n} of {total}: {do}',
  recVisit: '{method} {path}: status {status}',
  recFiles: 'File {file} changed',
  recCheckPassed: 'The check passes',
  recCheckFailed: 'The check fails',
};

/** The strings of each language. */
export const strings: Record<Lang, Strings> = { fr, en };

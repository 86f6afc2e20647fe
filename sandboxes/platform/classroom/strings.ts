/**
 * Every string of the classroom's pages, in French (the default) and English: `/join`, the page
 * the room's phones open, and `/projector`, the instructor's view of the whole room. The French
 * object defines the keys; the English one is typed against them. Placeholders such as
 * `{instance}` are filled in by the pages' scripts. Both use the course glossary (instance,
 * magasin de sessions / session store, remplacement / replacement).
 */
import { frenchSpacing, type Lang } from '../dashboard/strings.ts';

const fr = frenchSpacing({
  joinTitle: 'Votre session dans le labo',
  joinIntro:
    'Chaque visite est comptée dans votre session. Regardez ce qu’elle devient quand la formatrice ou le formateur tue une instance.',
  otherLanguage: 'English',
  visit: 'Visiter',
  autoVisit: 'Visiter toutes les secondes',
  sentLabel: 'Vos visites',
  countLabel: 'Compte de votre session',
  instanceLabel: 'Instance qui a répondu',
  none: '–',
  newsStart: 'Appuyez sur « Visiter » pour commencer.',
  newsAnswered: '{instance} a répondu : votre session compte {count} visites.',
  newsSplit:
    '{instance} ne connaît que {count} de vos {sent} visites : en mémoire, chaque instance garde sa propre copie de votre session.',
  newsLost:
    '{instance} a été {how} ; votre session était dans sa mémoire, elle est perdue. {next} repart de {count}.',
  newsKept:
    '{instance} a été {how}, mais votre session est dans Redis : {next} continue à {count}.',
  howKilled: 'tuée (comme un plantage)',
  howCrashed: 'arrêtée par un plantage',
  howReplaced: 'remplacée',
  howUnhealthy: 'redémarrée (elle ne répondait plus)',
  howScaledDown: 'retirée (moins d’instances)',
  errorTooMany: 'Trop de visites d’un coup : attendez une seconde, puis recommencez.',
  errorStore:
    'Le magasin de sessions ne répond pas : votre visite n’a pas été comptée. Elle le sera dès qu’il sera revenu.',
  errorNoInstance: 'Aucune instance ne répond pour l’instant : réessayez dans un instant.',
  errorNetwork:
    'Le labo ne répond pas : vérifiez que vous êtes sur le Wi-Fi de la salle, puis réessayez.',
  errorOther: 'Le labo a refusé la visite ({status}) : réessayez dans un instant.',
  noScript:
    'Cette page a besoin de JavaScript pour envoyer vos visites. Activez-le, ou suivez la démonstration au projecteur.',
  projectorTitle: 'La salle, en direct',
  projectorIntro:
    'Chaque participant visite depuis son téléphone ; ce tableau montre qui a perdu sa session à chaque arrêt d’instance.',
  largeType: 'Grands caractères',
  dashboardLink: 'Piloter le labo (tableau de bord)',
  glanceParticipants: 'Participants',
  glanceSessionStore: 'Magasin de sessions',
  glanceStore: 'Redis',
  glanceInstances: 'Instances',
  storeMemory: 'mémoire (dans chaque instance)',
  storeRedis: 'Redis (partagé)',
  storeUp: 'répond',
  storeDown: 'arrêté',
  roomHeading: 'Participants',
  roomEmpty: 'Personne n’a encore ouvert la page de participation.',
  colName: 'Participant',
  colVisits: 'Visites envoyées',
  colCount: 'Compte de la session',
  colInstance: 'Dernière instance',
  colLost: 'Sessions perdues',
  stopsHeading: 'Arrêts d’instances',
  stopsEmpty: 'Aucune instance arrêtée pour l’instant.',
  stopLine: '{time} : {instance} {how} — {lost} sessions perdues, {kept} gardées',
  stopKilled: 'tuée',
  stopCrashed: 'plantée',
  stopReplaced: 'remplacée',
  stopUnhealthy: 'redémarrée',
  stopScaledDown: 'retirée',
  feedLost: 'Le labo ne répond plus ; nouvel essai chaque seconde.',
});

const en: Record<keyof typeof fr, string> = {
  joinTitle: 'Your session in the lab',
  joinIntro:
    'Every visit is counted in your session. Watch what becomes of it when the instructor kills an instance.',
  otherLanguage: 'Français',
  visit: 'Visit',
  autoVisit: 'Visit every second',
  sentLabel: 'Your visits',
  countLabel: 'Your session’s count',
  instanceLabel: 'Instance that answered',
  none: '–',
  newsStart: 'Press “Visit” to begin.',
  newsAnswered: '{instance} answered: your session counts {count} visits.',
  newsSplit:
    '{instance} knows only {count} of your {sent} visits: in memory, each instance keeps its own copy of your session.',
  newsLost:
    '{instance} was {how}; your session was in its memory, so it is gone. {next} starts you again from {count}.',
  newsKept: '{instance} was {how}, yet your session is in Redis: {next} carried on at {count}.',
  howKilled: 'killed (as in a crash)',
  howCrashed: 'stopped by a crash',
  howReplaced: 'replaced',
  howUnhealthy: 'restarted (it had stopped answering)',
  howScaledDown: 'removed (fewer instances)',
  errorTooMany: 'Too many visits at once: wait a second, then try again.',
  errorStore:
    'The session store does not answer: your visit was not counted. It will be once the store is back.',
  errorNoInstance: 'No instance answers right now: try again in a moment.',
  errorNetwork: 'The lab does not answer: check that you are on the room’s Wi-Fi, then try again.',
  errorOther: 'The lab refused the visit ({status}): try again in a moment.',
  noScript:
    'This page needs JavaScript to send your visits. Turn it on, or follow the demonstration on the projector.',
  projectorTitle: 'The room, live',
  projectorIntro:
    'Everyone visits from their phone; this table shows who lost their session at each instance stop.',
  largeType: 'Large type',
  dashboardLink: 'Drive the lab (dashboard)',
  glanceParticipants: 'Participants',
  glanceSessionStore: 'Session store',
  glanceStore: 'Redis',
  glanceInstances: 'Instances',
  storeMemory: 'memory (in each instance)',
  storeRedis: 'Redis (shared)',
  storeUp: 'answering',
  storeDown: 'stopped',
  roomHeading: 'Participants',
  roomEmpty: 'Nobody has opened the join page yet.',
  colName: 'Participant',
  colVisits: 'Visits sent',
  colCount: 'Session’s count',
  colInstance: 'Last instance',
  colLost: 'Sessions lost',
  stopsHeading: 'Instance stops',
  stopsEmpty: 'No instance has stopped yet.',
  stopLine: '{time}: {instance} {how} — {lost} sessions lost, {kept} kept',
  stopKilled: 'killed',
  stopCrashed: 'crashed',
  stopReplaced: 'replaced',
  stopUnhealthy: 'restarted',
  stopScaledDown: 'removed',
  feedLost: 'The lab does not answer; trying again every second.',
};

/** The classroom pages' strings, by language. */
export const classroomStrings: Record<Lang, Record<keyof typeof fr, string>> = { fr, en };

/** A key of the classroom pages' strings. */
export type ClassroomStringKey = keyof typeof fr;

/** One answer offered by a quiz question, as an author writes it in MDX. */
export interface QuizChoice {
  /** The answer as the reader sees it; text between backticks is shown as code. */
  text: string;
  /** Whether this answer is right. At least one choice per question must be. */
  correct?: boolean;
  /** Why this answer is right or wrong, shown once the reader checks. */
  feedback: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML, so that an author's `<` or `&` shows as written. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/**
 * Turns a quiz string into HTML: everything escaped, and `backticks` shown as inline code, since
 * questions about this course keep naming endpoints, headers and commands.
 */
export function renderInline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/**
 * Checks a question as an author wrote it and says what to fix, in both languages, because a
 * quiz with no right answer (or a single choice) would build silently and mislead every reader.
 */
export function validateQuiz(question: unknown, choices: unknown): asserts choices is QuizChoice[] {
  const problems: string[] = [];
  if (typeof question !== 'string' || question.trim() === '') {
    problems.push('`question` must be a non-empty string / `question` doit être un texte non vide');
  }
  if (!Array.isArray(choices) || choices.length < 2) {
    problems.push(
      '`choices` needs at least two answers / `choices` demande au moins deux réponses',
    );
  } else {
    choices.forEach((choice: unknown, index) => {
      const { text, feedback } = (choice ?? {}) as Partial<QuizChoice>;
      if (typeof text !== 'string' || text.trim() === '' || typeof feedback !== 'string') {
        problems.push(
          `choice ${index + 1} needs \`text\` and \`feedback\` / la réponse ${index + 1} demande \`text\` et \`feedback\``,
        );
      }
    });
    if (
      !choices.some((choice: unknown) => (choice as Partial<QuizChoice> | null)?.correct === true)
    ) {
      problems.push(
        'mark at least one choice `correct: true` / marquez au moins une réponse `correct: true`',
      );
    }
  }
  if (problems.length > 0) {
    const label = typeof question === 'string' ? ` "${question}"` : '';
    throw new Error(`Quiz${label}: ${problems.join('; ')}.`);
  }
}

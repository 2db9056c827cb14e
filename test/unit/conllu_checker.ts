// The format rules of the Universal Dependencies validator (validate.py, level 1-2 format
// checks, as its documentation describes them) that concern a file this extension writes:
// the file is UTF-8 in NFC with LF line ends and ends with a blank line; a word line has ten
// tab-separated, non-empty columns without leading or trailing spaces, and no whitespace in
// FORM; IDs run 1, 2, ... in each sentence (with n-m ranges and n.k empty nodes); every sentence
// has a `# sent_id`, unique in the file, and a `# text` that the forms rebuild exactly:
//   text-form-mismatch   the text does not continue with the next form
//   missing-spaceafter   the text continues without a space after a form without SpaceAfter=No
//   text-extra-chars     the text has characters after the last form
//   unicode-normalization a line is not in NFC
// Not a test file: the checks return every error in the validator's words, with the line.
export interface ConlluError {
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

export function checkConllu(content: string): ConlluError[] {
  const errors: ConlluError[] = [];
  const err = (line: number, code: string, message: string): void => {
    errors.push({ line, code, message });
  };
  if (content.includes('\r')) err(0, 'non-lf-line-ending', 'the file has CR characters');
  if (content.charCodeAt(0) === 0xfeff) err(1, 'bom', 'the file starts with a byte order mark');
  if (content.length && !content.endsWith('\n\n')) err(0, 'missing-empty-line', 'the last sentence is not followed by an empty line');
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const sentIds = new Map<string, number>();
  let sentence: { first: number; comments: string[]; words: Array<{ line: number; cols: string[] }> } | undefined;
  const finish = (): void => {
    if (!sentence) return;
    checkSentence(sentence.first, sentence.comments, sentence.words, sentIds, err);
    sentence = undefined;
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw !== raw.normalize('NFC')) err(line, 'unicode-normalization', 'the line is not in Unicode NFC');
    if (raw === '') {
      if (!sentence) err(line, 'extra-empty-line', 'an empty line that ends no sentence');
      finish();
      return;
    }
    sentence ??= { first: line, comments: [], words: [] };
    if (raw.startsWith('#')) {
      if (sentence.words.length) err(line, 'misplaced-comment', 'a comment after the first word line of a sentence');
      sentence.comments.push(raw);
      return;
    }
    const cols = raw.split('\t');
    if (cols.length !== 10) {
      err(line, 'number-of-columns', `${cols.length} columns instead of 10`);
      return;
    }
    cols.forEach((c, k) => {
      if (c === '') err(line, 'empty-column', `column ${k + 1} is empty`);
      else if (c.trim() !== c) err(line, 'leading-whitespace', `column ${k + 1} has leading or trailing whitespace`);
    });
    if (/[\s\u00a0]/u.test(cols[1])) err(line, 'invalid-word-with-space', `the form ${JSON.stringify(cols[1])} has whitespace`);
    if (/[\s]/u.test(cols[2])) err(line, 'invalid-word-with-space', `the lemma ${JSON.stringify(cols[2])} has whitespace`);
    sentence.words.push({ line, cols });
  });
  if (sentence) err(lines.length, 'missing-empty-line', 'the file does not end with an empty line');
  finish();
  return errors;
}

function checkSentence(
  first: number,
  comments: string[],
  words: Array<{ line: number; cols: string[] }>,
  sentIds: Map<string, number>,
  err: (line: number, code: string, message: string) => void,
): void {
  const ids = comments.map((c) => /^#\s*sent_id\s*=\s*(.*)$/.exec(c)?.[1]).filter((x): x is string => x !== undefined);
  if (ids.length !== 1) err(first, ids.length ? 'multiple-sent-id' : 'missing-sent-id', `${ids.length} sent_id comments`);
  for (const id of ids) {
    if (!/^\S+$/.test(id)) err(first, 'invalid-sent-id', `sent_id ${JSON.stringify(id)} has whitespace or is empty`);
    if (sentIds.has(id)) err(first, 'non-unique-sent-id', `sent_id ${id} is also on line ${sentIds.get(id)}`);
    sentIds.set(id, first);
  }
  const texts = comments.map((c) => /^#\s*text\s*=\s?(.*)$/.exec(c)?.[1]).filter((x): x is string => x !== undefined);
  if (texts.length !== 1) err(first, texts.length ? 'multiple-text' : 'missing-text', `${texts.length} text comments`);
  if (words.length === 0) err(first, 'empty-sentence', 'a sentence without word lines');
  // IDs
  let expected = 1;
  let rangeEnd = 0;
  for (const { line, cols } of words) {
    const id = cols[0];
    const range = /^(\d+)-(\d+)$/.exec(id);
    if (range) {
      if (Number(range[1]) !== expected || Number(range[2]) < Number(range[1])) err(line, 'invalid-word-interval', `range ${id}`);
      rangeEnd = Number(range[2]);
    } else if (/^\d+\.\d+$/.test(id)) {
      // empty node: not in the text
    } else if (/^\d+$/.test(id)) {
      if (Number(id) !== expected) err(line, 'word-id-sequence', `ID ${id} where ${expected} was expected`);
      expected = Number(id) + 1;
    } else err(line, 'invalid-word-id', `ID ${JSON.stringify(id)}`);
  }
  if (texts.length !== 1) return;
  // text against forms: a multiword token's form stands for its words
  let stext = texts[0];
  let skipUntil = 0;
  const surface = words.filter(({ cols }) => {
    if (/^\d+\.\d+$/.test(cols[0])) return false;
    const range = /^(\d+)-(\d+)$/.exec(cols[0]);
    if (range) {
      skipUntil = Number(range[2]);
      return true;
    }
    return Number(cols[0]) > skipUntil;
  });
  void rangeEnd;
  surface.forEach(({ line, cols }, k) => {
    const form = cols[1];
    if (!stext.startsWith(form)) {
      err(
        line,
        'text-form-mismatch',
        `the text has ${JSON.stringify(stext.slice(0, form.length + 5))} where the form ${JSON.stringify(form)} is`,
      );
      stext = '';
      return;
    }
    stext = stext.slice(form.length);
    const noSpace = cols[9].split('|').includes('SpaceAfter=No');
    if (noSpace) return;
    if (stext.startsWith(' ')) stext = stext.slice(1);
    else if (stext.length && k < surface.length - 1)
      err(
        line,
        'missing-spaceafter',
        `the text continues with ${JSON.stringify(stext.slice(0, 5))} after ${JSON.stringify(form)} without a space, and it has no SpaceAfter=No`,
      );
  });
  if (stext.length) err(first, 'text-extra-chars', `the text has ${JSON.stringify(stext.slice(0, 20))} after its last form`);
}

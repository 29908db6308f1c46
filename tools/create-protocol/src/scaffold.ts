import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ScaffoldError } from './errors.js'
import { protocolNames } from './names.js'
import { fillPlaceholders, readTemplate, templateIdentifiers } from './template.js'
import { findWorkspacePackage } from './workspace.js'

/** This tool's package directory: the parent of both src/ and dist/. */
export const TOOL_DIR = fileURLToPath(new URL('..', import.meta.url))
/** The monorepo root, where tsconfig.base.json and packages/ live. */
export const REPO_ROOT = join(TOOL_DIR, '..', '..')

const TEMPLATE_DIR = join(TOOL_DIR, 'template')
const MAX_DESCRIPTION_LENGTH = 200

export interface ScaffoldOptions {
  /** The protocol name in lowercase kebab-case, e.g. `chunk-distribution`. */
  readonly name: string
  /** Where the package is written; it must not exist yet. */
  readonly directory: string
  /** One line for package.json, the README and the package documentation. */
  readonly description?: string
  /** When set, a name that a package of this pnpm workspace already has is refused too. */
  readonly workspaceRoot?: string
}

/**
 * Writes a new protocol package from the template into `directory` and
 * returns the files written, relative to it, with `/` separators. Refuses
 * with a {@link ScaffoldError} before writing anything when the name or
 * description is unusable, or the directory or package exists; removes its
 * partial output if writing fails.
 */
export async function scaffoldProtocol(options: ScaffoldOptions): Promise<string[]> {
  const template = await readTemplate(TEMPLATE_DIR)
  const names = protocolNames(options.name, templateIdentifiers(template))
  const description = checkDescription(options.description ?? `The DSCS ${names.name} protocol`)
  const directory = resolve(options.directory)
  const existing = options.workspaceRoot === undefined ? undefined : await findWorkspacePackage(options.workspaceRoot, names.packageName)
  if (existing !== undefined) {
    throw new ScaffoldError('EXISTS', `the workspace already has a package named ${names.packageName}, at ${existing}`)
  }
  const values: Record<string, string> = {
    ...names,
    description,
    descriptionJson: JSON.stringify(description),
    // The package extends the repository's compiler settings from wherever it is written.
    tsconfigBaseJson: JSON.stringify(relative(directory, join(REPO_ROOT, 'tsconfig.base.json')).split(sep).join('/')),
    ...(await dependencyVersions())
  }
  const files = template.map((file) => ({
    path: fillPlaceholders(file.path, values, file.path),
    text: fillPlaceholders(file.text, values, file.path)
  }))

  await mkdir(dirname(directory), { recursive: true })
  try {
    await mkdir(directory)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ScaffoldError('EXISTS', `${directory} already exists; choose another name or another --dir`)
    }
    throw err
  }
  try {
    for (const file of files) {
      const target = join(directory, file.path)
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, file.text, { flag: 'wx' })
    }
  } catch (err) {
    // The directory is ours (created above), so a half-written package is removed whole.
    await rm(directory, { recursive: true, force: true })
    throw err
  }
  return files.map((file) => file.path)
}

function checkDescription(description: string): string {
  const trimmed = description.trim()
  if (trimmed === '' || trimmed.length > MAX_DESCRIPTION_LENGTH) {
    throw new ScaffoldError('INVALID_DESCRIPTION', `the description must be 1 to ${MAX_DESCRIPTION_LENGTH} characters long`)
  }
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new ScaffoldError('INVALID_DESCRIPTION', 'the description must be a single line without control characters')
  }
  if (trimmed.includes('*/')) {
    throw new ScaffoldError('INVALID_DESCRIPTION', 'the description must not contain "*/", which would end the package documentation comment')
  }
  return trimmed
}

// The generated package pins the versions this tool pins, so one dependency bump updates both.
async function dependencyVersions(): Promise<{ protobufjsVersion: string; longVersion: string }> {
  const manifest = JSON.parse(await readFile(join(TOOL_DIR, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>
  }
  const version = (dependency: string): string => {
    const pinned = manifest.devDependencies?.[dependency]
    if (pinned === undefined) {
      throw new ScaffoldError('BAD_TEMPLATE', `${join(TOOL_DIR, 'package.json')} has no devDependency ${dependency} to pin in the package`)
    }
    return pinned
  }
  return { protobufjsVersion: version('protobufjs'), longVersion: version('long') }
}

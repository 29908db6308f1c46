#!/usr/bin/env node
// Generates src/gen/<file>.js (protobufjs static code) and src/gen/<file>.d.ts
// (its types) for every proto/*.proto of the package in the current directory.
// Each file gets its own protobufjs root so packages never overwrite each other's
// namespaces at runtime.
import { mkdir, readdir, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import cli from 'protobufjs-cli'

const pbjs = promisify(cli.pbjs.main)
const pbts = promisify(cli.pbts.main)

const packageDir = process.cwd()
const protoDir = join(packageDir, 'proto')
const genDir = join(packageDir, 'src', 'gen')

const protos = (await readdir(protoDir)).filter((f) => f.endsWith('.proto')).sort()
if (protos.length === 0) {
  console.error(`dscs-protogen: no .proto files in ${protoDir}`)
  process.exit(1)
}

await rm(genDir, { recursive: true, force: true })
await mkdir(genDir, { recursive: true })

const packageName = basename(packageDir).replace(/[^a-zA-Z0-9]/g, '_')
for (const proto of protos) {
  const name = proto.slice(0, -'.proto'.length)
  const js = join(genDir, `${name}.js`)
  await pbjs([
    '--target', 'static-module',
    '--wrap', 'es6',
    '--root', `dscs_${packageName}_${name.replace(/[^a-zA-Z0-9]/g, '_')}`,
    '--no-create', '--no-verify', '--no-convert', '--no-delimited', '--no-typeurl', '--no-service',
    '--path', protoDir,
    '--out', js,
    join(protoDir, proto)
  ])
  await pbts(['--no-comments', '--out', join(genDir, `${name}.d.ts`), js])
  console.log(`dscs-protogen: proto/${proto} -> src/gen/${name}.js, src/gen/${name}.d.ts`)
}

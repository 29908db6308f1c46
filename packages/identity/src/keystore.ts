import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes } from '@noble/curves/utils.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js'
import { IdentityError } from './errors.js'
import { identityFromSeed, type Identity } from './keys.js'

/** The keystore file format version this code writes and reads. */
export const KEYSTORE_VERSION = 1

/** Keystore files are small; anything larger is refused before parsing. */
export const MAX_KEYSTORE_BYTES = 16 * 1024

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Default 2^17 (128 MiB with r = 8). */
  readonly N: number
  readonly r: number
  readonly p: number
}

export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 })

// Bounds a hostile file cannot push past: scrypt memory 128·N·r stays within 1 GiB.
const MAX_LOG_N = 20
const MAX_R = 32
const MAX_P = 16
const MAX_SCRYPT_MEMORY = 2 ** 30

export interface KeystoreOptions {
  /** scrypt parameters; given with an empty passphrase, scrypt runs over it anyway. */
  readonly scrypt?: ScryptParams
  /** Called with progress in [0, 1] while the key is derived. */
  readonly onProgress?: (progress: number) => void
}

/** The on-disk shape, version 1 (JSON). Everything but `ciphertext` is authenticated as associated data. */
interface KeystoreFileV1 {
  readonly dscsKeystore: 1
  readonly publicKey: string
  readonly kdf: ScryptKdf | NoKdf
  readonly cipher: { readonly name: 'xchacha20-poly1305'; readonly nonce: string }
  readonly ciphertext: string
}

interface ScryptKdf {
  readonly name: 'scrypt'
  readonly N: number
  readonly r: number
  readonly p: number
  readonly salt: string
}

/** No passphrase: the secret is sealed under a fixed all-zero key, which detects damage but hides nothing. */
interface NoKdf {
  readonly name: 'none'
}

const NO_PASSPHRASE_KEY = new Uint8Array(32)

/**
 * Encrypts `identity` under `passphrase`: scrypt derives the key,
 * XChaCha20-Poly1305 seals the secret. With the empty passphrase (and no
 * `scrypt` option) no key is derived: scrypt over a passphrase everyone can
 * guess first protects nothing, and costs 128 MiB and a second at every
 * start. Such a keystore relies on its file's permissions, as an SSH key
 * without a passphrase does.
 */
export async function encryptKeystore(identity: Identity, passphrase: string, options: KeystoreOptions = {}): Promise<Uint8Array> {
  const params = options.scrypt ?? (passphrase === '' ? undefined : DEFAULT_SCRYPT)
  if (params !== undefined) checkScryptParams(params)
  const kdf: ScryptKdf | NoKdf =
    params === undefined ? { name: 'none' } : { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: bytesToHex(randomBytes(32)) }
  const header = {
    dscsKeystore: KEYSTORE_VERSION,
    publicKey: bytesToHex(identity.publicKey),
    kdf,
    cipher: { name: 'xchacha20-poly1305', nonce: bytesToHex(randomBytes(24)) }
  } as const
  const key = await deriveKey(passphrase, header.kdf, options)
  const ciphertext = xchacha20poly1305(key, hexToBytes(header.cipher.nonce), associatedData(header)).encrypt(identity.secretKey)
  const file: KeystoreFileV1 = { ...header, ciphertext: bytesToHex(ciphertext) }
  return new TextEncoder().encode(`${JSON.stringify(file, null, 2)}\n`)
}

/**
 * Decrypts a keystore. A wrong passphrase or altered file is
 * `KEYSTORE_BAD_PASSPHRASE` (so is a passphrase given for a keystore that has
 * none); a file that is not a keystore is
 * `KEYSTORE_CORRUPT`; a newer format is `KEYSTORE_UNSUPPORTED_VERSION`.
 */
export async function decryptKeystore(bytes: Uint8Array, passphrase: string, options: Omit<KeystoreOptions, 'scrypt'> = {}): Promise<Identity> {
  const file = parseKeystore(bytes)
  const key = await deriveKey(passphrase, file.kdf, options)
  let seed: Uint8Array
  try {
    seed = xchacha20poly1305(key, hexToBytes(file.cipher.nonce), associatedData(file)).decrypt(hexToBytes(file.ciphertext))
  } catch (err) {
    throw new IdentityError('KEYSTORE_BAD_PASSPHRASE', 'wrong passphrase, or the keystore was altered', { cause: err })
  }
  const identity = identityFromSeed(seed)
  if (!equalBytes(identity.publicKey, hexToBytes(file.publicKey))) {
    throw new IdentityError('KEYSTORE_CORRUPT', 'the keystore secret does not match its public key')
  }
  return identity
}

/** The public key recorded in a keystore, without the passphrase. */
export function keystorePublicKey(bytes: Uint8Array): Uint8Array {
  return hexToBytes(parseKeystore(bytes).publicKey)
}

/** Canonical bytes of everything but the ciphertext, so no header field can be changed unnoticed. */
function associatedData(file: Omit<KeystoreFileV1, 'ciphertext'>): Uint8Array {
  const { kdf, cipher } = file
  const kdfFields = kdf.name === 'scrypt' ? [kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt] : [kdf.name]
  return new TextEncoder().encode(JSON.stringify([file.dscsKeystore, file.publicKey, ...kdfFields, cipher.name, cipher.nonce]))
}

async function deriveKey(passphrase: string, kdf: KeystoreFileV1['kdf'], options: KeystoreOptions): Promise<Uint8Array> {
  if (typeof passphrase !== 'string') throw new IdentityError('KEYSTORE_BAD_PASSPHRASE', 'the passphrase must be a string')
  if (kdf.name === 'none') {
    if (passphrase !== '') throw new IdentityError('KEYSTORE_BAD_PASSPHRASE', 'the keystore has no passphrase')
    return NO_PASSPHRASE_KEY
  }
  return scryptAsync(passphrase.normalize('NFKC'), hexToBytes(kdf.salt), {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
    maxmem: MAX_SCRYPT_MEMORY + 128 * kdf.r * kdf.p,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress })
  })
}

function checkScryptParams({ N, r, p }: ScryptParams): void {
  const logN = Math.log2(N)
  const ok =
    Number.isInteger(logN) && logN >= 1 && logN <= MAX_LOG_N && isIntIn(r, 1, MAX_R) && isIntIn(p, 1, MAX_P) && 128 * N * r <= MAX_SCRYPT_MEMORY
  if (!ok) throw new IdentityError('KEYSTORE_CORRUPT', `scrypt parameters N=${N} r=${r} p=${p} are out of bounds`)
}

function isIntIn(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
}

function isHex(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && value.length === 2 * bytes && /^[0-9a-f]*$/.test(value)
}

/** Parses and checks every field of a keystore file before any of it is used. */
function parseKeystore(bytes: Uint8Array): KeystoreFileV1 {
  if (!(bytes instanceof Uint8Array)) throw new IdentityError('KEYSTORE_CORRUPT', 'a keystore is a byte array')
  if (bytes.length > MAX_KEYSTORE_BYTES) {
    throw new IdentityError('KEYSTORE_CORRUPT', `keystore of ${bytes.length} bytes exceeds ${MAX_KEYSTORE_BYTES}`)
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new IdentityError('KEYSTORE_CORRUPT', 'the keystore is not valid UTF-8 JSON', { cause: err })
  }
  const file = value as Partial<Record<keyof KeystoreFileV1, unknown>> | null
  if (typeof file !== 'object' || file === null || !('dscsKeystore' in file)) {
    throw new IdentityError('KEYSTORE_CORRUPT', 'not a DSCS keystore')
  }
  if (file.dscsKeystore !== KEYSTORE_VERSION) {
    throw new IdentityError('KEYSTORE_UNSUPPORTED_VERSION', `keystore version ${String(file.dscsKeystore)} is not supported (this code reads ${KEYSTORE_VERSION})`)
  }
  const kdf = file.kdf as Partial<ScryptKdf> | Partial<NoKdf> | undefined
  const cipher = file.cipher as Partial<KeystoreFileV1['cipher']> | undefined
  const wellFormed =
    isHex(file.publicKey, 32) &&
    typeof kdf === 'object' && kdf !== null && (isNoKdf(kdf) || isScryptKdf(kdf)) &&
    typeof cipher === 'object' && cipher !== null && cipher.name === 'xchacha20-poly1305' && isHex(cipher.nonce, 24) &&
    isHex(file.ciphertext, 32 + 16)
  if (!wellFormed) throw new IdentityError('KEYSTORE_CORRUPT', 'the keystore has missing or malformed fields')
  if (kdf.name === 'scrypt') checkScryptParams(kdf as ScryptParams)
  return file as unknown as KeystoreFileV1
}

function isNoKdf(kdf: object): boolean {
  return Object.keys(kdf).length === 1 && (kdf as Partial<NoKdf>).name === 'none'
}

function isScryptKdf(value: object): boolean {
  const kdf = value as Partial<ScryptKdf>
  return kdf.name === 'scrypt' && isHex(kdf.salt, 32) && isIntIn(kdf.N, 2, 2 ** MAX_LOG_N) && isIntIn(kdf.r, 1, MAX_R) && isIntIn(kdf.p, 1, MAX_P)
}

import { dscsProject } from '../../vitest.shared.js'

export default dscsProject('@dscs/trust-observer')

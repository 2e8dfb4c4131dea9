// Started as the TypeScript runtime starts a module for each call: the SDK's own entrypoint, imported
// through the module's tsconfig (so from dagger/sdk), over the generated client and the module's files.
// It reads the call from the engine (DAGGER_SESSION_PORT/TOKEN; here the engine double) and answers there.
import { entrypoint } from '@dagger.io/dagger';

await entrypoint(JSON.parse(process.env.LOCKSTEP_MODULE_FILES!) as string[]);

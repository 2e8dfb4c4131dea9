/**
 * lockstep as a Dagger module: every promotion stage as a typed function that runs the lockstep CLI in
 * a container, so `dagger call` on a laptop does exactly what CI does.
 */
import { dag, Container, Directory, object, func, argument } from '@dagger.io/dagger';

@object()
export class Lockstep {
  source: Directory;

  constructor(
    /** The orchestrator repository. */
    @argument({ defaultPath: '/', ignore: ['node_modules', 'dist', 'report', '.lockstep'] }) source: Directory,
  ) {
    this.source = source;
  }

  /** The runner image: Node with the lockstep CLI built from this repository. */
  @func()
  runner(): Container {
    return dag
      .container()
      .from('node:22-alpine')
      .withDirectory('/src', this.source)
      .withWorkdir('/src')
      .withExec(['npm', 'ci'])
      .withEntrypoint(['node', '/src/bin/lockstep.js']);
  }
}

// Runs the Dagger TypeScript SDK's own introspector over the module sources and prints, as JSON, what
// `dagger functions` and `dagger call --help` would show. Started by introspection.test.ts in a
// prepared copy of the SDK (see there), under tsx with experimentalDecorators.
import { pathToFileURL } from 'node:url';

const [sdkDir, ...files] = process.argv.slice(2);
const { scan } = await import(pathToFileURL(`${sdkDir}/dist/src/module/introspector/index.js`).href);
const module = await scan(files, 'lockstep');

function typeName(type) {
  if (!type) return null;
  switch (type.kind) {
    case 'STRING_KIND':
      return 'String';
    case 'INTEGER_KIND':
      return 'Integer';
    case 'BOOLEAN_KIND':
      return 'Boolean';
    case 'FLOAT_KIND':
      return 'Float';
    case 'VOID_KIND':
      return 'Void';
    case 'LIST_KIND':
      return `[${typeName(type.typeDef)}]`;
    default:
      return type.name ?? type.kind;
  }
}

function describeArgument(argument) {
  return {
    name: argument.name,
    type: typeName(argument.type),
    description: argument.description,
    optional: argument.isOptional || argument.isNullable || argument.defaultValue !== undefined,
    default: argument.defaultValue === undefined ? null : argument.defaultValue,
    defaultPath: argument.defaultPath ?? null,
    ignore: argument.ignore ?? null,
  };
}

const objects = Object.values(module.objects).map((object) => ({
  name: object.name,
  description: object.description,
  constructor: object._constructor ? Object.values(object._constructor.arguments).map(describeArgument) : [],
  functions: Object.values(object.methods ?? {}).map((fn) => ({
    name: fn.name,
    description: fn.description,
    cache: fn.cache ?? null,
    check: fn.isCheck === true,
    returns: typeName(fn.returnType),
    arguments: Object.values(fn.arguments).map(describeArgument),
  })),
}));

process.stdout.write(JSON.stringify({ name: module.name, description: module.description ?? '', objects }));

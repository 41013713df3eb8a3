/**
 * Checks received responses against the OpenAPI document, for tests: the route's operation, the
 * status, the content type and the body's schema (JSON Schema 2020-12, the dialect of OpenAPI 3.1,
 * with ajv's Ajv2020). The document itself is checked against the official OpenAPI 3.1 schema by
 * @seriousme/openapi-schema-validator. A method the path does not take must be a documented 405,
 * a path the document does not have a documented 404.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

type Json = Record<string, unknown>;

export interface ReceivedResponse {
  readonly method: string;
  /** Path and query as requested. */
  readonly url: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  readonly item: Json;
}

/**
 * The answer to a path the document does not have, or a method its path does not take: the
 * document cannot name "every other path", so the check builds it from the document's Problem.
 */
function routingProblem(code: 'NOT_FOUND' | 'METHOD_NOT_ALLOWED'): Json {
  return {
    content: {
      'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { const: code } } }] } },
    },
  };
}

/** Throws, listing every problem, unless the OpenAPI 3.1 document is valid. */
export async function assertValidDocument(document: Json): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document));
  if (!result.valid) throw new Error(`invalid OpenAPI document: ${JSON.stringify(result.errors, null, 2)}`);
  if (validator.version !== '3.1') throw new Error(`expected an OpenAPI 3.1 document, got ${validator.version}`);
}

export class OpenApiResponses {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    this.ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      formats: { uri: (s: string) => URL.canParse(s), 'uri-reference': (s: string) => URL.canParse(s, 'http://relative.invalid') },
    });
    const paths = document.paths as Record<string, Json>;
    this.routes = Object.entries(paths).map(([template, item]) => ({
      template,
      item,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
    }));
  }

  /** Throws an Error naming the route, status and schema errors when `r` is not a documented answer. */
  check(r: ReceivedResponse): void {
    const path = r.url.split('?')[0]!;
    const method = r.method.toLowerCase();
    const route = this.routes.find((x) => x.pattern.test(path));
    let response: Json | undefined;
    let where: string;
    if (route === undefined) {
      where = `${r.method} ${path} (no such path: NotFound)`;
      if (r.status !== 404) throw new Error(`${where}: status ${r.status}, the document says 404`);
      response = routingProblem('NOT_FOUND');
    } else if (route.item[method] === undefined && !(method === 'head' && route.item.get !== undefined)) {
      where = `${r.method} ${route.template} (method not documented: MethodNotAllowed)`;
      if (r.status !== 405) throw new Error(`${where}: status ${r.status}, the document says 405`);
      response = routingProblem('METHOD_NOT_ALLOWED');
    } else {
      const operation = (route.item[method] ?? route.item.get) as { responses: Record<string, Json> };
      where = `${r.method} ${route.template} -> ${r.status}`;
      response = operation.responses[String(r.status)] ?? operation.responses.default;
      if (response === undefined) throw new Error(`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
    }
    if (method === 'head') return;
    const content = response.content as Record<string, { schema?: Json }> | undefined;
    if (content === undefined) {
      if (r.body !== '') throw new Error(`${where}: a body where the document has none`);
      return;
    }
    const mediaType = (r.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const media = content[mediaType];
    if (media === undefined) throw new Error(`${where}: content type ${JSON.stringify(r.contentType)}, documented: ${Object.keys(content).join(', ')}`);
    if (media.schema === undefined) return;
    let value: unknown = r.body;
    if (mediaType.endsWith('json')) {
      try {
        value = JSON.parse(r.body);
      } catch {
        throw new Error(`${where}: body is not JSON: ${r.body.slice(0, 200)}`);
      }
    }
    const validate = this.validator(`${where}|${mediaType}`, media.schema);
    if (!validate(value)) {
      throw new Error(`${where}: body does not match the document:\n${JSON.stringify(validate.errors, null, 2)}\nbody: ${r.body.slice(0, 500)}`);
    }
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      // The document's components travel with each schema so its `#/components/...` refs resolve.
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

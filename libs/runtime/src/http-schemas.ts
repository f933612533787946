import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { ZodType } from "zod";

/**
 * What a request without a body carries through Fastify's validation: Fastify hands a body schema `null` for a
 * missing body, and a body schema must see `undefined` there (as it did when routes parsed `request.body`), or a
 * missing body and a JSON `null` would read alike.
 */
const NO_BODY = Symbol("no body");

const validateZod: FastifySchemaCompiler<ZodType> = (route) => {
  const validate = validatorCompiler(route);
  if (route.httpPart !== "body") return validate;
  return (data) => validate(data === NO_BODY ? undefined : data);
};

/**
 * Routes declare their zod schemas (`schema: { params, querystring, body, response }`, through
 * `fastify-type-provider-zod`): Fastify validates the request with them before the handler runs, hands the
 * handler the parsed values, typed, and serialises the answer through the response schema of its status. The same
 * schemas can describe the API (OpenAPI). A request that fails its schema is a 400 problem naming each failing
 * field (`toProblem`, http-problems.ts), as a `ZodError` thrown by a handler is. Call before registering routes;
 * route plugins are typed with `FastifyPluginAsyncZod`.
 */
export function useZodSchemas(app: FastifyInstance): FastifyInstance {
  app.setValidatorCompiler(validateZod);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("preValidation", (request, _reply, done) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = NO_BODY;
    done();
  });
  return app;
}

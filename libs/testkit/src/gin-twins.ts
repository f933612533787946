import type { ClientBase } from "pg";

/**
 * FerretDB 1.24 on PostgreSQL pushes a scalar equality filter down as `_jsonb->$1 @> $2` (containment), but the
 * indexes it creates are btree expression indexes `((_jsonb->'field'))`, which cannot serve `@>`: every
 * `findOne({_id})` was a sequential scan. This event trigger gives each such index a GIN `jsonb_path_ops` twin on
 * the same expression, which does serve it (with `plan_cache_mode=force_custom_plan`, so that the field parameter
 * is bound when the plan is made). Only top-level fields: FerretDB sends dot paths as `#>`, which no `->`
 * expression index serves. A twin is left behind if FerretDB drops its index alone; dropping the collection drops
 * both. Needs a superuser (event triggers). Idempotent; also twins the indexes that already exist.
 */
export const GIN_TWINS_SQL = `
CREATE OR REPLACE FUNCTION public.ai_jobs_gin_twin_of(idx oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
DECLARE
  expr text;
  idx_name name;
  tbl regclass;
BEGIN
  SELECT pg_get_indexdef(i.indexrelid, 1, true), c.relname, i.indrelid::regclass
    INTO expr, idx_name, tbl
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
   WHERE i.indexrelid = idx AND am.amname = 'btree';
  -- A GIN twin is not btree, so creating one cannot recurse.
  IF expr IS NULL OR expr !~ '^\\(_jsonb -> ''([^'']|'''')+''::text\\)$' THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)',
                 left(idx_name, 50) || '_' || left(md5(idx_name), 8) || '_gin', tbl, expr);
END
$fn$;

CREATE OR REPLACE FUNCTION public.ai_jobs_gin_twins() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM public.ai_jobs_gin_twin_of(cmd.objid);
  END LOOP;
END
$fn$;

DROP EVENT TRIGGER IF EXISTS ai_jobs_gin_twins;
CREATE EVENT TRIGGER ai_jobs_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION public.ai_jobs_gin_twins();

SELECT public.ai_jobs_gin_twin_of(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%';
`;

/** Installs the trigger (and twins existing indexes) in the database `client` is connected to. */
export async function installGinTwins(client: ClientBase): Promise<void> {
  await client.query(GIN_TWINS_SQL);
}

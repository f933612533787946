export const USAGE = `ai-jobs: submit and follow background AI jobs (plans, materials, exports) from the shell.

Usage: ai-jobs <command> [flags]

Jobs
  submit plan --goal <text> --start <YYYY-MM-DD> --end <YYYY-MM-DD> [--title T] [--context C]
              [--daily-minutes N] | --body <file.json>            generate a study plan
  submit material <plan_id> <file> [--document-id D] [--filename N]  upload a file (PDF, DOCX, HTML, Markdown, text)
  submit summary <plan_id>  |  submit export <plan_id>
  submit day <plan_id> <day_id>  |  submit tasks <plan_id> --day D --section S
      every submit: [--idempotency-key K] [--watch]; plan and material: [--priority P] [--delay-ms N]
      [--run-at ISO] [--webhook-url U]
  get <job_id>                 a job: status, progress, error, result
  watch <job_id…>              live progress bars until every job has ended (exit 1 if one failed or was cancelled)
  jobs [--status S] [--type T] [--limit N]      the newest jobs
  cancel <job_id>  |  retry <job_id>
  plan <plan_id>               a plan with its days
  tail [--from <event id>]     every job event of the tenant, live, until Ctrl-C

Operators (admin role)
  queues                       backlog, in flight, workers and throughput per queue and priority
  dlq list [--queue Q] [--limit N]  |  dlq replay <seq>

Flags
  --json            machine-readable output: the API's JSON, one document per line (watch, tail: one event per line)
  --url <url>       the gateway, e.g. http://127.0.0.1:8080      (else AI_JOBS_URL, else the config file)
  --token <token>   a bearer token or API key                    (else AI_JOBS_TOKEN, else the config file)
  --config <file>   {"url": "…", "token": "…"}      (default: $XDG_CONFIG_HOME or ~/.config, /ai-jobs/config.json)
  -h, --help

Exit codes: 0 done; 1 a watched job failed or was cancelled; 2 a usage error; 3 the API refused or could not be
reached (the problem's code and detail on stderr; with --json, {"error": {…}}).
`;

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import YAML from "yaml";
import { METRIC } from "../../src/services/metrics/job-metrics";

const root = path.resolve(__dirname, "../..");

describe("deploy/: Grafana dashboard and Prometheus config", () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(root, "deploy/grafana/dashboards/openedx-workers.json"), "utf8")) as {
    uid: string;
    panels: { id: number; title: string; targets: { expr: string }[] }[];
  };
  const prometheus = YAML.parse(fs.readFileSync(path.join(root, "deploy/prometheus/prometheus.yml"), "utf8")) as { scrape_configs: { job_name: string }[] };

  it("queries only metrics the console and workers export, from the scrape jobs Prometheus defines", () => {
    const exported = new Set<string>(Object.values(METRIC));
    for (const name of Object.values(METRIC)) for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(name + suffix);
    exported.add("process_resident_memory_bytes");
    const jobs = new Set(prometheus.scrape_configs.map((c) => c.job_name));
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).to.be.greaterThan(8);
    for (const expr of exprs) {
      for (const [metric] of expr.matchAll(/\b(?:openedx_workers_[a-z_]+|process_[a-z_]+)\b/g)) expect(exported.has(metric), `${metric} in ${expr}`).to.equal(true);
      for (const [, job] of expr.matchAll(/job="([^"]+)"/g)) expect(jobs.has(job), `scrape job ${job}`).to.equal(true);
      expect(expr, "the label is job_name, not job").not.to.match(/by \([^)]*\bjob\b[^_]/);
    }
    for (const metric of [METRIC.queueJobs, METRIC.completed, METRIC.failed, METRIC.stalled, METRIC.duration, METRIC.retirementLearners, METRIC.failedGenerationTasks, METRIC.dependencyUp]) {
      expect(exprs.some((e) => e.includes(metric)), `a panel shows ${metric}`).to.equal(true);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it("is provisioned by docker-compose beside a Prometheus that scrapes the console and the workers", () => {
    const compose = YAML.parse(fs.readFileSync(path.join(root, "docker-compose.yml"), "utf8")) as { services: Record<string, { volumes?: string[]; environment?: Record<string, string>; command?: string[] }> };
    expect(compose.services.console.command).to.include("console");
    expect(compose.services.worker.environment?.WORKER_METRICS_PORT).to.equal("9464");
    expect(compose.services.grafana.volumes).to.include("./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro");
    expect(compose.services.prometheus.volumes?.[0]).to.match(/^\.\/deploy\/prometheus\/prometheus\.yml:/);
    const provider = YAML.parse(fs.readFileSync(path.join(root, "deploy/grafana/provisioning/dashboards/openedx-workers.yml"), "utf8"));
    expect(provider.providers[0].options.path).to.equal("/var/lib/grafana/dashboards");
  });
});

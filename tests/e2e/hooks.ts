/**
 * Root hooks of the e2e suite (registered in .mocharc.json): after all tests, no process that the
 * run's CLIs started (language hosts, programs, provider plugins) may still be alive. Stragglers get
 * 10 s to exit; what remains then is killed and named in the failure. With mocha's `--parallel`
 * (the suite's config), the hook runs after each spec file in its worker, and the run id is the
 * worker's (a module-level value), so a file is never blamed for the other worker's processes.
 */
import { describeProcesses, E2E_RUN_ID, E2E_RUN_ID_VAR, leftBehind } from "../helpers/processes";

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    const left = await leftBehind(10_000);
    if (left.length > 0) {
      throw new Error(
        `${left.length} process(es) started by this test run (${E2E_RUN_ID_VAR}=${E2E_RUN_ID}) were still ` +
          `running 10 s after the last test, and were killed:\n${describeProcesses(left)}`,
      );
    }
  },
};

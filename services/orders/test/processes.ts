/** Child processes of the end-to-end suites (testkit's, shared with the infra tests). */
export { ask, freePort, type Proc, REPO_ROOT as ROOT, spawnTs, stopProc } from '@trading-system/testkit';

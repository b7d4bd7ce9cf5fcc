/** Public surface of @trading-system/dashboard. */
export { type Dashboard, type DashboardDeps, describeDashboard, startDashboard } from './app.js';
export { DashboardConfig, dashboardToken } from './config.js';

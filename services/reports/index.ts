export { VendorAccessReportService, vendorAccessCsv, UNUSED_DAYS } from './vendor-access';
export { reportRoutes } from './routes';

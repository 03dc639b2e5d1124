export {
  JwtStaffAuthenticator,
  createStaffAuthenticator,
  loadDevStaffKey,
  signDevStaffToken,
  STAFF_ALGORITHMS,
  CLOCK_TOLERANCE_SECONDS,
  type DevStaffKey,
} from './staff-auth';

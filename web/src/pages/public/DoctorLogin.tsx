import { LoginForm } from './LoginForm';

export default function DoctorLogin() {
  return <LoginForm role="doctor" title="auth.loginDoctorTitle" />;
}

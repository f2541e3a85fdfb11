import { LoginForm } from './LoginForm';

export default function Login() {
  return <LoginForm role="patient" title="auth.loginTitle" />;
}

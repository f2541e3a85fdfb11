// Every route of the app. Public pages come with the first load; each role's pages are their own
// chunks (lazy), so the patient's first page stays small. Doctor pages go under /doctor/*, admin
// pages under /admin/* (pages/doctor/routes.tsx and pages/admin/routes.tsx).
import { createBrowserRouter, type RouteObject } from 'react-router';
import { Layout, RequireRole } from './components/Layout';
import { Spinner } from './components/ui';
import { Home } from './pages/public/Home';
import { NotFound } from './pages/public/NotFound';

const lazyPage = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({ Component: (await load()).default });

const patient = (load: () => Promise<{ default: React.ComponentType }>) => async () => {
  const Page = (await load()).default;
  return {
    Component: () => (
      <RequireRole role="patient">
        <Page />
      </RequireRole>
    ),
  };
};

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    hydrateFallbackElement: <Spinner />,
    children: [
      { index: true, element: <Home /> },
      { path: 'doctors/:docId', lazy: lazyPage(() => import('./pages/public/DoctorPage')) },
      { path: 'login', lazy: lazyPage(() => import('./pages/public/Login')) },
      { path: 'register', lazy: lazyPage(() => import('./pages/public/Register')) },
      { path: 'forgot-password', lazy: lazyPage(() => import('./pages/public/ForgotPassword')) },
      { path: 'reset-password', lazy: lazyPage(() => import('./pages/public/ResetPassword')) },
      { path: 'verify', lazy: patient(() => import('./pages/patient/Verify')) },
      { path: 'appointments', lazy: patient(() => import('./pages/patient/Appointments')) },
      { path: 'waitlist', lazy: patient(() => import('./pages/patient/Waitlist')) },
      { path: 'notifications', lazy: patient(() => import('./pages/patient/Notifications')) },
      { path: 'profile', lazy: patient(() => import('./pages/patient/Profile')) },
      { path: 'security', lazy: patient(() => import('./pages/patient/Security')) },
      { path: 'doctor/login', lazy: lazyPage(() => import('./pages/public/DoctorLogin')) },
      { path: 'admin/login', lazy: lazyPage(() => import('./pages/public/AdminLogin')) },
      { path: 'doctor/*', lazy: async () => ({ Component: (await import('./pages/doctor/routes')).DoctorArea }) },
      { path: 'admin/*', lazy: async () => ({ Component: (await import('./pages/admin/routes')).AdminArea }) },
      { path: '*', element: <NotFound /> },
    ],
  },
];

export const router = createBrowserRouter(routes);

/** The left navigation: every page of the console is one click from here. */
export interface NavItem {
  to: string;
  label: string;
}

export const NAV_SECTIONS: { title: string; items: NavItem[] }[] = [
  {
    title: 'Operate',
    items: [
      { to: '/runs', label: 'Runs' },
      { to: '/pipelines', label: 'Pipelines' },
      { to: '/schedules', label: 'Schedules' },
      { to: '/triggers', label: 'Triggers' },
      { to: '/observability', label: 'Observability' },
      { to: '/models', label: 'Models' },
    ],
  },
  {
    title: 'Configure',
    items: [
      { to: '/plugins', label: 'Plugins' },
      { to: '/secrets', label: 'Secrets' },
      { to: '/alerts', label: 'Alerts' },
    ],
  },
  {
    title: 'Tenant',
    items: [
      { to: '/members', label: 'Members' },
      { to: '/api-keys', label: 'API keys' },
      { to: '/sso', label: 'Single sign-on' },
      { to: '/audit', label: 'Audit log' },
      { to: '/billing', label: 'Billing' },
    ],
  },
];

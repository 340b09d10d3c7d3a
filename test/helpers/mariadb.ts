export * from '../../lab/mariadb';
